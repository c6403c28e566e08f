using Azure.Storage.Blobs.Models;
using Stitching.Domain.Jobs;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary>
/// The <c>datasets</c> container on Azurite: the real <c>datasets upload</c> command on one side, the fetch a runner does
/// before each job on the other, with the real Fashion-MNIST files.
/// </summary>
public sealed class DatasetStoreTests
{
    private const string Dataset = DatasetFiles.FashionMnist;

    [AzuriteFact]
    public async Task Uploaded_dataset_fetched_into_an_empty_folder_is_identical_to_the_source_and_kept_for_the_next_job()
    {
        // Given Fashion-MNIST uploaded with the command, twice: the second run sends nothing
        await using var env = await TestPlatform.CreateAsync();
        AssertSays(await env.UploadFashionMnistAsync(), "4 uploaded, 0 already there");
        AssertSays(await env.UploadFashionMnistAsync(), "0 uploaded, 4 already there");
        var (exit, list) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "list"]);
        Assert.True(exit == 0, list);
        AssertSays(list, "fashion-mnist: complete (4 of 4 files)");
        AssertSays(list, "cifar10: not uploaded");
        var store = env.Platform.Datasets;
        var folder = Path.Combine(env.CheckpointRoot, "runner-data", Dataset);

        // When a runner fetches it into an empty folder
        var first = await store.FetchAsync(Dataset, folder);

        // Then every file arrived, byte for byte the source
        Assert.All(first, t => Assert.True(t.Transferred, t.Blob));
        AssertSameAsSource(folder);

        // When the next job fetches again: nothing is downloaded, the files are not rewritten
        var written = DatasetFiles.Of(Dataset).ToDictionary(f => f, f => File.GetLastWriteTimeUtc(Path.Combine(folder, f)));
        var second = await store.FetchAsync(Dataset, folder);
        Assert.All(second, t => Assert.False(t.Transferred, t.Blob));
        Assert.All(written, w => Assert.Equal(w.Value, File.GetLastWriteTimeUtc(Path.Combine(folder, w.Key))));

        // When the local copy is damaged (one file truncated, one with a flipped byte, one deleted)
        var labels = Path.Combine(folder, "train-labels-idx1-ubyte.gz");
        var images = Path.Combine(folder, "t10k-images-idx3-ubyte.gz");
        var bytes = await File.ReadAllBytesAsync(images);
        bytes[1000] ^= 0xff;
        await File.WriteAllBytesAsync(images, bytes);
        await File.WriteAllBytesAsync(labels, (await File.ReadAllBytesAsync(labels))[..100]);
        File.Delete(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
        var repaired = await store.FetchAsync(Dataset, folder);

        // Then exactly those three are fetched again, and the folder holds the source again, with no temporary files
        Assert.Equal(["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"],
            repaired.Where(t => t.Transferred).Select(t => Path.GetFileName(t.File)).Order());
        AssertSameAsSource(folder);
    }

    [AzuriteFact]
    public async Task A_corrupt_or_unverifiable_dataset_blob_fails_the_fetch_naming_the_upload_command_and_never_reaches_the_folder()
    {
        await using var env = await TestPlatform.CreateAsync();
        await env.UploadFashionMnistAsync();
        var store = env.Platform.Datasets;
        var blob = store.Container.GetBlobClient(DatasetStore.BlobName(Dataset, "train-labels-idx1-ubyte.gz"));
        var source = await File.ReadAllBytesAsync(Path.Combine(Requirement.FashionMnist(), "train-labels-idx1-ubyte.gz"));
        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        var damage = new (string What, byte[] Bytes, IDictionary<string, string> Metadata, string Expected)[]
        {
            // Same metadata, other bytes: a torn upload or bit rot.
            ("truncated", source[..(source.Length / 2)], metadata, "corrupt or truncated"),
            ("corrupted", source.Select((b, i) => i == 20 ? (byte)(b ^ 1) : b).ToArray(), metadata, "corrupt or truncated"),
            // Right bytes, wrong hash recorded.
            ("mismatched", source, new Dictionary<string, string> { [VerifiedBlobs.Sha256Metadata] = new string('0', 64) }, "corrupt or truncated"),
            ("unhashed", source, new Dictionary<string, string>(), "cannot be verified"),
        };
        foreach (var (what, bytes, meta, expected) in damage)
        {
            // Given a damaged blob
            await blob.UploadAsync(new BinaryData(bytes), new BlobUploadOptions { Metadata = meta });
            var folder = Path.Combine(env.CheckpointRoot, what);

            // When a runner fetches the dataset
            var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => store.FetchAsync(Dataset, folder));

            // Then it is refused with a reason naming the dataset and the command that repairs it, and nothing unverified is left
            Assert.Equal(Dataset, e.Dataset);
            Assert.Contains(expected, e.Message);
            Assert.Contains("`Stitching.GpuRunner datasets upload --dataset fashion-mnist --force`", e.Message);
            Assert.IsAssignableFrom<CheckpointUnavailableException>(e); // what the worker dead-letters at the first delivery
            Assert.False(File.Exists(Path.Combine(folder, "train-labels-idx1-ubyte.gz")), what);
            Assert.DoesNotContain(Directory.Exists(folder) ? Directory.GetFiles(folder) : [], f => f.EndsWith(".part", StringComparison.Ordinal));
        }

        // When the user runs the command the message names, the dataset is whole again
        var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60),
            ["datasets", "upload", "--dataset", Dataset, "--data-dir", Requirement.FashionMnist(), "--force"]);
        Assert.True(exit == 0, output);
        var repaired = Path.Combine(env.CheckpointRoot, "repaired");
        await store.FetchAsync(Dataset, repaired);
        AssertSameAsSource(repaired);
    }

    [AzuriteFact]
    public async Task A_dataset_never_uploaded_fails_the_fetch_naming_the_upload_command()
    {
        await using var env = await TestPlatform.CreateAsync();

        var e = await Assert.ThrowsAsync<DatasetUnavailableException>(() => env.Platform.Datasets.FetchAsync(DatasetFiles.Cifar10, Path.Combine(env.CheckpointRoot, "data")));

        Assert.Contains("Dataset cifar10 is not in blob storage", e.Message);
        Assert.Contains("cifar10/data_batch_1.bin", e.Message);
        Assert.Contains("`Stitching.GpuRunner datasets upload --dataset cifar10`", e.Message);
    }

    [AzuriteFact]
    public async Task Upload_refuses_a_local_copy_the_engine_could_not_read_and_sends_nothing()
    {
        // Given local copies with a file missing, and with a truncated file
        await using var env = await TestPlatform.CreateAsync();
        var incomplete = Directory.CreateDirectory(Path.Combine(env.CheckpointRoot, "incomplete")).FullName;
        var truncated = Directory.CreateDirectory(Path.Combine(env.CheckpointRoot, "truncated")).FullName;
        foreach (var name in DatasetFiles.Of(Dataset))
        {
            var bytes = File.ReadAllBytes(Path.Combine(Requirement.FashionMnist(), name));
            if (name != "t10k-labels-idx1-ubyte.gz") File.WriteAllBytes(Path.Combine(incomplete, name), bytes);
            File.WriteAllBytes(Path.Combine(truncated, name), name == "train-labels-idx1-ubyte.gz" ? bytes[..(bytes.Length / 2)] : bytes);
        }

        foreach (var (folder, expected) in new[] { (incomplete, "lacks t10k-labels-idx1-ubyte.gz; nothing was uploaded"), (truncated, "train-labels-idx1-ubyte.gz: expected") })
        {
            // When the user uploads it
            var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "upload", "--dataset", Dataset, "--data-dir", folder]);

            // Then the command says what is wrong with which file, and the container holds nothing
            Assert.True(exit == 2, output);
            AssertSays(output, expected);
            Assert.Empty(await env.Platform.Datasets.ListAsync());
        }
    }

    [AzuriteFact]
    public async Task Upload_runs_where_libtorch_is_absent_as_on_a_deployers_macos_or_windows_machine()
    {
        // Given the CLI without its native libraries (runtimes/: libtorch and libLibTorchSharp), as azd's hook runs it on a
        // machine this build's libtorch cannot load on
        await using var env = await TestPlatform.CreateAsync();
        var app = Directory.CreateDirectory(Path.Combine(env.CheckpointRoot, "cli-without-libtorch")).FullName;
        var built = Path.GetDirectoryName(GpuRunnerProcess.Dll)!;
        foreach (var file in Directory.GetFiles(built)) File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        Assert.False(Directory.Exists(Path.Combine(app, "runtimes")));
        Assert.Empty(Directory.GetFiles(app, "*.so*"));

        // When the dataset is uploaded with it
        var start = GpuRunnerDll.Start("datasets", "upload", "--dataset", Dataset, "--data-dir", Requirement.FashionMnist());
        start.ArgumentList[0] = Path.Combine(app, "Stitching.GpuRunner.dll");
        start.Environment["Stitching__Storage__ConnectionString"] = Azurite.ConnectionString;
        start.Environment["Stitching__Storage__NamePrefix"] = env.NamePrefix;
        var (exit, output) = await GpuRunnerDll.RunAsync(start, TimeSpan.FromSeconds(60));

        // Then it checked and uploaded every file, and a runner fetches the same bytes
        Assert.True(exit == 0, output);
        var fetched = Path.Combine(env.CheckpointRoot, "fetched");
        await env.Platform.Datasets.FetchAsync(Dataset, fetched);
        AssertSameAsSource(fetched);
    }

    [AzuriteFact]
    public async Task A_prepared_image_folder_uploads_as_three_checked_files_that_a_runner_fetches()
    {
        // Given a folder of two classes of PNGs, five of each, prepared with the command
        await using var env = await TestPlatform.CreateAsync();
        const string dataset = "images-shapes";
        var source = SyntheticImages.WriteFolder(Path.Combine(env.CheckpointRoot, "pictures"), classes: 2, perClass: 5);
        var (exit, output, prepared) = await PrepareAsync(env, source, dataset);
        AssertSays(output, $"{dataset}: 2 classes (class-a, class-b), 3 channel(s), 8 train and 2 test images at 32x32");

        // When it is uploaded, twice, and listed
        (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "upload", "--dataset", dataset, "--data-dir", prepared]);
        Assert.True(exit == 0, output);
        AssertSays(output, "3 uploaded, 0 already there");
        (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "upload", "--dataset", dataset, "--data-dir", prepared]);
        AssertSays(output, "0 uploaded, 3 already there");
        (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "list"]);
        AssertSays(output, $"{dataset}: complete (3 of 3 files)");

        // Then a runner fetches exactly the prepared files
        var fetched = Path.Combine(env.CheckpointRoot, "runner-data", dataset);
        await env.Platform.Datasets.FetchAsync(dataset, fetched);
        Assert.Equal(DatasetFiles.Of(dataset).Order(), Directory.GetFiles(fetched).Select(Path.GetFileName).Order()!);
        foreach (var name in DatasetFiles.Of(dataset))
            Assert.True(File.ReadAllBytes(Path.Combine(prepared, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(fetched, name))), name);

        // And a damaged prepared copy is refused before anything is sent, naming the file
        var damaged = Directory.CreateDirectory(Path.Combine(env.CheckpointRoot, "damaged", dataset)).FullName;
        foreach (var name in DatasetFiles.Of(dataset)) File.Copy(Path.Combine(prepared, name), Path.Combine(damaged, name));
        var test = Path.Combine(damaged, "test.bin");
        await File.WriteAllBytesAsync(test, (await File.ReadAllBytesAsync(test))[..^1]);
        await env.Platform.Datasets.Container.DeleteIfExistsAsync();
        (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "upload", "--dataset", dataset, "--data-dir", damaged]);
        Assert.True(exit == 2, output);
        AssertSays(output, $"{test}: expected a non-zero multiple of 3074 bytes");
        Assert.Empty(await env.Platform.Datasets.ListAsync());
    }

    /// <summary>Runs <c>datasets prepare</c> on <paramref name="source"/> into a folder named after the dataset; asserts it succeeded.</summary>
    internal static async Task<(int Exit, string Output, string Folder)> PrepareAsync(TestPlatform env, string source, string dataset)
    {
        var prepared = Path.Combine(env.CheckpointRoot, dataset);
        var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "prepare", "--images", source, "--dataset", dataset, "--data-dir", prepared]);
        Assert.True(exit == 0, output);
        return (exit, output, prepared);
    }

    private static void AssertSameAsSource(string folder)
    {
        Assert.Equal(DatasetFiles.Of(Dataset).Order(), Directory.GetFiles(folder).Select(Path.GetFileName).Order()!);
        foreach (var name in DatasetFiles.Of(Dataset))
            Assert.True(File.ReadAllBytes(Path.Combine(Requirement.FashionMnist(), name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder, name))), name);
    }

    /// <summary>Whether the command's output holds <paramref name="expected"/>, whitespace aside: the console wraps lines at 80 columns.</summary>
    private static void AssertSays(string output, string expected) =>
        Assert.True(string.Concat(output.Where(c => !char.IsWhiteSpace(c))).Contains(string.Concat(expected.Where(c => !char.IsWhiteSpace(c))), StringComparison.Ordinal),
            $"Expected \"{expected}\" in:\n{output}");
}
