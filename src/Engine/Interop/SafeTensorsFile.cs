using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Interop;

/// <summary>
/// The safetensors format (https://github.com/huggingface/safetensors#format), written and read here so that no package
/// is needed on either side: an 8-byte little-endian header length, a UTF-8 JSON header naming each tensor's dtype,
/// shape and byte range, string-to-string <c>__metadata__</c>, then the tensors' little-endian bytes back to back.
/// </summary>
public static class SafeTensorsFile
{
    public const string Extension = ".safetensors";
    private const string MetadataKey = "__metadata__";

    private static readonly Dictionary<ScalarType, string> DTypes = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float64] = "F64", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32", [ScalarType.Byte] = "U8",
    };

    /// <summary>
    /// Writes <paramref name="tensors"/> (in order) and <paramref name="metadata"/> to <paramref name="path"/> through a
    /// temporary file renamed at the end, so a failure leaves no half-written file under the name.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors stores little-endian data; this writer copies host bytes.");
        var blobs = new List<byte[]>(tensors.Count);
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            foreach (var (key, value) in metadata) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, tensor) in tensors)
            {
                if (!DTypes.TryGetValue(tensor.dtype, out var dtype))
                    throw new ArgumentException($"Tensor {name} has dtype {tensor.dtype}, which this writer does not store ({string.Join(", ", DTypes.Keys)}).");
                using var host = tensor.detach().cpu().contiguous();
                var bytes = host.bytes.ToArray();
                blobs.Add(bytes);
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (var d in host.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.Length;
            }
            json.WriteEndObject();
        }
        // The format lets a header end in spaces; padding it to 8 bytes keeps every tensor aligned for a zero-copy reader.
        var padded = header.ToArray().Concat(Enumerable.Repeat((byte)' ', (int)((8 - header.Length % 8) % 8))).ToArray();

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = File.Create(temp))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded.Length);
                file.Write(length);
                file.Write(padded);
                foreach (var blob in blobs) file.Write(blob);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Every tensor (on the CPU, in file order) and the metadata; throws <see cref="InvalidDataException"/> for a malformed file.</summary>
    public static (IReadOnlyList<(string Name, Tensor Tensor)> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 8) throw new InvalidDataException($"{path} is not a safetensors file: {data.Length} bytes, shorter than the 8-byte header length.");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(data);
        if (headerLength > (ulong)(data.Length - 8))
            throw new InvalidDataException($"{path} is not a safetensors file: its header length {headerLength} exceeds the file's {data.Length} bytes.");
        var start = 8 + (int)headerLength;
        JsonDocument header;
        try { header = JsonDocument.Parse(data.AsMemory(8, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a safetensors file: its header is not JSON ({e.Message}).", e); }
        using (header)
        {
            var metadata = new Dictionary<string, string>();
            var tensors = new List<(string, Tensor)>();
            var byName = DTypes.ToDictionary(p => p.Value, p => p.Key);
            foreach (var entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey)
                {
                    foreach (var m in entry.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var dtypeName = entry.Value.GetProperty("dtype").GetString() ?? "";
                if (!byName.TryGetValue(dtypeName, out var dtype)) throw new InvalidDataException($"{path}: tensor {entry.Name} has dtype {dtypeName}, which this reader does not load.");
                var shape = entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || start + offsets[1] > data.Length)
                    throw new InvalidDataException($"{path}: tensor {entry.Name}'s data_offsets [{string.Join(", ", offsets)}] lie outside the file.");
                var t = empty(shape, dtype);
                var span = data.AsSpan(start + (int)offsets[0], (int)(offsets[1] - offsets[0]));
                if (span.Length != t.NumberOfElements * t.ElementSize)
                    throw new InvalidDataException($"{path}: tensor {entry.Name} has {span.Length} bytes for shape [{string.Join(", ", shape)}] of {dtypeName}.");
                t.bytes = span;
                tensors.Add((entry.Name, t));
            }
            return (tensors, metadata);
        }
    }
}
