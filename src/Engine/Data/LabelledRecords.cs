namespace Stitching.Engine.Data;

/// <summary>
/// Fixed-length records of label bytes then one (C, 32, 32) image, the layout of CIFAR-10's and CIFAR-100's binary
/// versions and of a prepared image folder's train.bin/test.bin: one reader checks lengths and labels for all of them.
/// </summary>
/// <param name="Description">What a file should be, for errors: "a CIFAR-100 binary-version file".</param>
/// <param name="HeaderBytes">Label bytes before each image: 1 (CIFAR-10), 2 (CIFAR-100: coarse, fine; an image folder: uint16 LE).</param>
/// <param name="Label">The label of a record from its header bytes.</param>
internal sealed record LabelledRecords(string Description, int HeaderBytes, int Channels, int Classes, Func<ReadOnlySpan<byte>, int> Label, string Remedy)
{
    public int ImageBytes => Channels * RawSplit.Side * RawSplit.Side;

    public int RecordBytes => HeaderBytes + ImageBytes;

    /// <summary>Reads the files in order into one split; throws <see cref="DatasetException"/> naming the first defective file.</summary>
    public RawSplit Read(IEnumerable<string> paths)
    {
        var files = paths.Select(ReadChecked).ToList();
        var count = files.Sum(f => f.Length / RecordBytes);
        var pixels = new byte[(long)count * ImageBytes];
        var labels = new long[count];
        var n = 0;
        foreach (var data in files)
        {
            for (var record = 0; record < data.Length / RecordBytes; record++, n++)
            {
                labels[n] = Label(data.AsSpan(record * RecordBytes, HeaderBytes));
                data.AsSpan(record * RecordBytes + HeaderBytes, ImageBytes).CopyTo(pixels.AsSpan(n * ImageBytes, ImageBytes));
            }
        }
        return new RawSplit(pixels, labels, Channels);
    }

    private byte[] ReadChecked(string path)
    {
        if (!File.Exists(path))
            throw new DatasetException(path, Description, "no such file", Remedy);
        var data = File.ReadAllBytes(path);
        if (data.Length == 0 || data.Length % RecordBytes != 0)
            throw new DatasetException(path, $"a non-zero multiple of {RecordBytes} bytes ({HeaderBytes} label byte(s) + {ImageBytes} pixels per image)",
                $"{data.Length} bytes", Remedy);
        for (var record = 0; record < data.Length / RecordBytes; record++)
        {
            var label = Label(data.AsSpan(record * RecordBytes, HeaderBytes));
            if (label >= Classes)
                throw new DatasetException(path, $"labels below {Classes}", $"label {label} in record {record}", Remedy);
        }
        return data;
    }
}
