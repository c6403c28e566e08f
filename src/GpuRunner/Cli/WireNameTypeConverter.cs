using System.ComponentModel;
using System.Globalization;
using Stitching.Domain.Contracts;

namespace Stitching.GpuRunner.Cli;

/// <summary>Parses a settings enum option (--optimizer, --init, --precision, --random-init) by its wire name (<see cref="WireNames"/>).</summary>
public sealed class WireNameTypeConverter<T> : TypeConverter where T : struct, Enum
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

    public override object ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        WireNames.TryParse<T>(value as string, out var v) ? v
            : throw new FormatException($"Use {WireNames.Allowed<T>()}.");
}
