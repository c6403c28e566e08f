using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// The CLI's log lines: every logger of a command (the command's own, the engine's, the model repository's...) writes
/// one line through Spectre.Console, prefixed by the time since the command started (mm:ss, grey); warnings and errors
/// are marked. One per command, from <see cref="CreateFactory"/>; Debug and Trace are not shown.
/// </summary>
public sealed class CliConsoleLoggerProvider(bool clock = true) : ILoggerProvider
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    /// <summary>A factory whose loggers write through a new provider; dispose it when the command ends.</summary>
    public static ILoggerFactory CreateFactory(bool clock = true) =>
        LoggerFactory.Create(b => b.ClearProviders().AddProvider(new CliConsoleLoggerProvider(clock)).SetMinimumLevel(LogLevel.Information));

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private void Write(LogLevel level, string message)
    {
        var mark = level switch
        {
            >= LogLevel.Error => "[red]Error:[/] ",
            LogLevel.Warning => "[yellow]Warning:[/] ",
            _ => "",
        };
        var prefix = clock ? $"[grey]{_clock.Elapsed:mm\\:ss}[/] " : "";
        lock (_gate) AnsiConsole.MarkupLine(prefix + mark + Markup.Escape(message));
    }

    private sealed class Logger(CliConsoleLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception is not null) message += $" ({exception.GetType().Name}: {exception.Message})";
            provider.Write(logLevel, message);
        }
    }
}
