using Microsoft.Extensions.Logging;

namespace Stitching.Tests.Shared;

/// <summary>
/// Collects formatted log lines for assertions: one instance serves as a logger of any category and, through
/// <see cref="Factory"/>, as the logger factory handed to code that makes its own loggers.
/// </summary>
public sealed class ListLogger : ILogger, ILoggerProvider
{
    private readonly List<(LogLevel Level, string Message)> _entries = [];
    private readonly Lock _gate = new();

    /// <summary>Every formatted message so far, in order.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _entries.Select(e => e.Message).ToList(); }
    }

    /// <summary>Every entry so far with its level.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get { lock (_gate) return _entries.ToList(); }
    }

    /// <summary>A factory whose loggers (every category, every level) all write here.</summary>
    public ILoggerFactory Factory => LoggerFactory.Create(b => b.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    /// <summary>This collector typed as a category's logger, for constructors taking <see cref="ILogger{T}"/>.</summary>
    public ILogger<T> For<T>() => new Typed<T>(this);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_gate) _entries.Add((logLevel, formatter(state, exception)));
    }

    ILogger ILoggerProvider.CreateLogger(string categoryName) => this;

    void IDisposable.Dispose() { }

    private sealed class Typed<T>(ListLogger inner) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
