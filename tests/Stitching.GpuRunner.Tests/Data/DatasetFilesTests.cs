using Stitching.Domain.Datasets;
using Stitching.Engine.Data;
using Stitching.Platform.Storage;

namespace Stitching.GpuRunner.Tests.Data;

/// <summary>The files a runner fetches from the datasets container are exactly the files the loaders read.</summary>
public sealed class DatasetFilesTests
{
    [Fact]
    public void The_stored_datasets_are_the_ones_the_engine_loads()
    {
        Assert.Equal(DatasetOptions.KnownNames, DatasetFiles.Names);
        Assert.Equal(Cifar10Loader.TrainFiles.Concat(Cifar10Loader.TestFiles), DatasetFiles.Of(DatasetOptions.Cifar10));
        Assert.Throws<ArgumentException>(() => DatasetFiles.Of("mnist"));
    }

    [Theory]
    [InlineData(DatasetOptions.FashionMnist)]
    [InlineData(DatasetOptions.Cifar10)]
    [InlineData("images-colours")]
    public void A_folder_holding_only_the_stored_files_loads(string name)
    {
        // Given a folder with nothing but the files a runner fetches
        using var source = new TempFolder();
        if (name == DatasetOptions.Cifar10) SyntheticCifar.WriteDataset(source.Path);
        else if (DatasetFiles.IsImageFolder(name)) ImageFolderPreparer.Prepare(SyntheticImages.WriteFolder(source.File("pictures"), perClass: 5), name, source.Path);
        else SyntheticIdx.WriteDataset(source.Path);
        using var fetched = new TempFolder();
        foreach (var file in DatasetFiles.Of(name)) File.Copy(source.File(file), fetched.File(file));

        // When the loader reads it
        using var dataset = DatasetLoader.Load(new DatasetOptions { Name = name, Folder = fetched.Path });

        // Then it holds both splits
        Assert.True(dataset.TrainImages.shape[0] > 0 && dataset.TestImages.shape[0] > 0);
    }
}
