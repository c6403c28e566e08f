using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stitching.Domain.Contracts;

/// <summary>How a stitch is optimized (<see cref="StitchSettings.Optimizer"/>).</summary>
public enum StitchOptimizer
{
    /// <summary>SGD with momentum.</summary>
    [JsonStringEnumMemberName("sgd")] Sgd,
    [JsonStringEnumMemberName("adam")] Adam,
}

/// <summary>How a stitch's weights start (<see cref="StitchSettings.Init"/>).</summary>
public enum StitchInit
{
    /// <summary>Closed-form fit of the sender's activations to the receiver's own (direct matching).</summary>
    [JsonStringEnumMemberName("least-squares")] LeastSquares,
    /// <summary>The identity map (1x1 stitches between equal shapes only).</summary>
    [JsonStringEnumMemberName("identity")] Identity,
    /// <summary>PyTorch's init.</summary>
    [JsonStringEnumMemberName("default")] Default,
}

/// <summary>What the frozen prefix and suffix run in (<see cref="StitchSettings.Precision"/>); the stitch keeps fp32 weights.</summary>
public enum ComputePrecision
{
    /// <summary>bf16 where the hardware has fast bf16, else fp32.</summary>
    [JsonStringEnumMemberName("auto")] Auto,
    [JsonStringEnumMemberName("bf16")] Bf16,
    [JsonStringEnumMemberName("fp32")] Fp32,
}

/// <summary>How a base network's weights are drawn (<see cref="TrainSettings.RandomInit"/>).</summary>
public enum RandomInit
{
    /// <summary>torchvision's ResNet: conv weights Kaiming normal (fan-out, ReLU gain), batch-norm 1 and 0, the linear layer at PyTorch's default.</summary>
    [JsonStringEnumMemberName("kaiming")] Kaiming,
    /// <summary>Every layer at PyTorch's default init.</summary>
    [JsonStringEnumMemberName("pytorch")] Pytorch,
}

/// <summary>
/// The one mapping between a setting's enum value and its wire name: the name in JSON (sweep.json, API bodies, queue
/// messages), on the command line, in model keys and job ids, and in result tables. The name is the member's
/// <see cref="JsonStringEnumMemberNameAttribute"/>, which the JSON converters read too.
/// </summary>
public static class WireNames
{
    private static readonly ConcurrentDictionary<Type, (string[] Names, Array Values)> Cache = new();

    private static (string[] Names, Array Values) Of<T>() where T : struct, Enum => Of(typeof(T));

    private static (string[] Names, Array Values) Of(Type enumType) => Cache.GetOrAdd(enumType, static t =>
    {
        var fields = t.GetFields(BindingFlags.Public | BindingFlags.Static);
        var names = fields.Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name).ToArray();
        var values = Array.CreateInstance(t, fields.Length);
        for (var i = 0; i < fields.Length; i++) values.SetValue(fields[i].GetValue(null), i);
        return (names, values);
    });

    /// <summary>The wire name of <paramref name="value"/> ("least-squares", "bf16", ...); an undefined value prints as its number.</summary>
    public static string Name<T>(this T value) where T : struct, Enum
    {
        var (names, values) = Of<T>();
        for (var i = 0; i < names.Length; i++)
            if (EqualityComparer<T>.Default.Equals((T)values.GetValue(i)!, value)) return names[i];
        return value.ToString();
    }

    /// <summary>Every wire name of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Of<T>().Names;

    /// <summary>Every wire name of the settings enum <paramref name="enumType"/>, in declaration order (for the API's schema).</summary>
    public static IReadOnlyList<string> All(Type enumType) => Of(enumType).Names;

    /// <summary>"a, b or c": the allowed names, for error messages.</summary>
    public static string Allowed<T>() where T : struct, Enum
    {
        var names = All<T>();
        return names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} or {names[^1]}";
    }

    /// <summary>Reads a wire name, ignoring case (also the C# member name, e.g. "LeastSquares").</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        var (names, values) = Of<T>();
        var t = text?.Trim() ?? "";
        for (var i = 0; i < names.Length; i++)
        {
            var v = (T)values.GetValue(i)!;
            if (names[i].Equals(t, StringComparison.OrdinalIgnoreCase) || v.ToString().Equals(t, StringComparison.OrdinalIgnoreCase)) { value = v; return true; }
        }
        value = default;
        return false;
    }

    /// <summary>Reads a wire name or throws a <see cref="FormatException"/> naming <paramref name="what"/> and the allowed names.</summary>
    public static T Parse<T>(string? text, string what) where T : struct, Enum =>
        TryParse<T>(text, out var v) ? v : throw new FormatException($"Unknown {what} '{text}'. Use {Allowed<T>()}.");
}

/// <summary>
/// Reads and writes the settings enums by their wire names; an unknown name is a <see cref="JsonException"/> that
/// lists the allowed names, so an API body with a typo gets a 400 naming the field and the choices.
/// </summary>
public sealed class WireNameConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert == typeof(StitchOptimizer) || typeToConvert == typeof(StitchInit) || typeToConvert == typeof(ComputePrecision)
        || typeToConvert == typeof(RandomInit);

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        typeToConvert == typeof(StitchOptimizer) ? new WireNameConverter<StitchOptimizer>()
        : typeToConvert == typeof(StitchInit) ? new WireNameConverter<StitchInit>()
        : typeToConvert == typeof(ComputePrecision) ? new WireNameConverter<ComputePrecision>()
        : typeToConvert == typeof(RandomInit) ? new WireNameConverter<RandomInit>()
        : null;
}

public sealed class WireNameConverter<T> : JsonConverter<T> where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return WireNames.TryParse<T>(text, out var value) ? value
            : throw new JsonException($"Must be {WireNames.Allowed<T>()}, got {(text is null ? reader.TokenType.ToString() : $"'{text}'")}.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
