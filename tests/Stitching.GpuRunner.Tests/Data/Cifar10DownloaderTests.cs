using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using Stitching.Engine.Data;
using Stitching.Engine.Native;

namespace Stitching.GpuRunner.Tests.Data;

public sealed class Cifar10DownloaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public Cifar10DownloaderTests() => TorchRuntime.EnsureLoadable();

    public void Dispose() => _temp.Dispose();

    /// <summary>A tar.gz laid out like the official one: everything under cifar-10-batches-bin/.</summary>
    private string BuildArchive()
    {
        var source = Path.Combine(_temp.Path, "source", Cifar10Loader.ArchiveSubfolder);
        SyntheticCifar.WriteDataset(source, perTrainFile: 2, test: 4);
        File.WriteAllText(Path.Combine(source, "batches.meta.txt"), string.Join('\n', Cifar10Loader.ClassNames));
        var archive = _temp.File("cifar-10-binary.tar.gz");
        using (var file = File.Create(archive))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
            TarFile.CreateFromDirectory(source, gzip, includeBaseDirectory: true);
        return archive;
    }

    [Fact]
    public void Archive_with_the_wrong_md5_is_rejected_and_leaves_nothing_behind()
    {
        var archive = BuildArchive();
        var target = _temp.File("cifar10");

        var error = Assert.Throws<DatasetException>(() => Cifar10Downloader.InstallArchive(archive, target));

        Assert.Contains(archive, error.Message);
        Assert.Contains($"MD5 {Cifar10Downloader.Md5}", error.Message);
        Assert.Contains($"MD5 {Cifar10Downloader.FileMd5(archive)}", error.Message);
        Assert.False(Directory.Exists(target));
        Assert.Equal(["cifar-10-binary.tar.gz", "source"], Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Verified_archive_is_unpacked_directly_into_the_folder_and_loads()
    {
        var archive = BuildArchive();
        var target = _temp.File("cifar10");

        Cifar10Downloader.InstallArchive(archive, target, Cifar10Downloader.FileMd5(archive));

        Assert.True(File.Exists(Path.Combine(target, "test_batch.bin")));
        Assert.True(File.Exists(Path.Combine(target, "batches.meta.txt")));
        Assert.True(Cifar10Downloader.IsInstalled(target));
        using var data = DatasetLoader.Load(new DatasetOptions { Name = DatasetOptions.Cifar10, Folder = target });
        Assert.Equal(new long[] { 10, 3, 32, 32 }, data.TrainImages.shape);
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_temp.Path), p => Path.GetFileName(p).StartsWith('.'));
    }

    [Fact]
    public void Verified_archive_also_fills_an_existing_empty_folder()
    {
        var archive = BuildArchive();
        var target = Directory.CreateDirectory(_temp.File("existing")).FullName;

        Cifar10Downloader.InstallArchive(archive, target, Cifar10Downloader.FileMd5(archive));

        Assert.True(Cifar10Downloader.IsInstalled(target));
        Assert.False(Directory.Exists(Path.Combine(target, Cifar10Loader.ArchiveSubfolder)));
    }

    [Fact]
    public void Archive_that_is_not_a_tar_gz_is_rejected_after_its_md5_matches()
    {
        var archive = _temp.File("bogus.tar.gz");
        File.WriteAllText(archive, "not an archive");
        var target = _temp.File("cifar10");

        var error = Assert.Throws<DatasetException>(() =>
            Cifar10Downloader.InstallArchive(archive, target, Cifar10Downloader.FileMd5(archive)));

        Assert.Contains("tar.gz", error.Message);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Download_without_network_fails_with_a_clear_error_and_no_partial_files()
    {
        using var offline = new HttpClient(new OfflineHandler());
        var target = _temp.File("cifar10");

        var error = await Assert.ThrowsAsync<DatasetException>(() => Cifar10Downloader.DownloadAsync(offline, target));

        Assert.Contains("offline", error.Message);
        Assert.Contains(Cifar10Downloader.Url, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    private sealed class OfflineHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("Name or service not known", null, HttpStatusCode.ServiceUnavailable);
    }
}
