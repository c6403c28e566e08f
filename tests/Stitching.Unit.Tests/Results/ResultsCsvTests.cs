using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class ResultsCsvTests
{
    private static readonly StitchResult[] Rows =
    [
        new("trained->trained", "resnet(1,2,1,2)", "stem", "resnet18", "2.1", "conv2x2s2", 1234, 3, 50000, 0.8734, 0.41, 12.5, 1, 2, 3, "cuda", Converged: true, HeadOnly: true,
            TestImages: 10000, AccuracyLow: 0.8668, AccuracyHigh: 0.8798),
        new("random->random", "arch \"quoted\", with comma", "4.0", "line\nbreak", "1.0", "upsample8+conv1x1", 2080, 1, 1000, 0.1, double.NaN, 0.25),
    ];

    private static string WriteToString(IEnumerable<StitchResult> rows)
    {
        var writer = new StringWriter();
        ResultsCsv.Write(writer, rows);
        return writer.ToString();
    }

    [Fact]
    public void Header_has_the_specified_columns_in_order()
    {
        var header = WriteToString([]).TrimEnd('\n');

        Assert.Equal(
            "variant,sender_arch,sender_layer,receiver_arch,receiver_layer,stitch_kind,stitch_params,epochs,train_images,accuracy,loss,seconds," +
            "sender_seed,receiver_seed,stitch_seed,device,hardware,precision,layout,converged,head_only,test_images,accuracy_low,accuracy_high,provenance_id,stop_reason",
            header);
    }

    [Fact]
    public void The_stop_reason_round_trips_and_a_file_without_it_reads_as_unrecorded()
    {
        var row = new StitchResult("trained->trained", "resnet18", "stem", "resnet18", "1.0", "conv1x1", 272, 2, 1000, 0.5, 1.2, 3, Converged: true, Stop: StopReason.NoGain);
        Assert.Equal(StopReason.NoGain, ResultsCsv.Read(new StringReader(WriteToString([row]))).Single().Stop);
        var old = WriteToString([row]).Replace(",stop_reason", "", StringComparison.Ordinal).Replace(",no-gain", "", StringComparison.Ordinal);
        Assert.Equal(StopReason.Unrecorded, ResultsCsv.Read(new StringReader(old)).Single().Stop);
    }

    [Fact]
    public void A_file_from_before_the_converged_column_reads_as_not_converged()
    {
        var text = "variant,sender_arch,sender_layer,receiver_arch,receiver_layer,stitch_kind,stitch_params,epochs,train_images,accuracy,loss,seconds," +
                   "sender_seed,receiver_seed,stitch_seed,device,hardware,precision,layout\n" +
                   "trained->trained,resnet18,stem,resnet18,1.0,conv1x1,272,2,1000,0.5,1.2,3,0,1,0,cpu,x,bf16,nchw\n";

        var row = Assert.Single(ResultsCsv.Read(new StringReader(text)));

        Assert.False(row.Converged);
        Assert.False(row.HeadOnly);
        Assert.True(double.IsNaN(row.AccuracyLow) && double.IsNaN(row.AccuracyHigh));
        Assert.Equal(2, row.Epochs);
    }

    [Fact]
    public void Rows_round_trip_including_names_with_commas_quotes_and_newlines()
    {
        var text = WriteToString(Rows);

        var read = ResultsCsv.Read(new StringReader(text));

        Assert.Equal(Rows, read);
    }

    [Fact]
    public void Architecture_names_with_commas_are_quoted()
    {
        var text = WriteToString(Rows.Take(1));

        Assert.Contains("\"resnet(1,2,1,2)\"", text);
        Assert.Contains(",0.8734,", text);
    }

    [Fact]
    public void Numbers_use_invariant_culture_whatever_the_current_culture()
    {
        var previous = Thread.CurrentThread.CurrentCulture;
        try
        {
            Thread.CurrentThread.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            var text = WriteToString(Rows.Take(1));
            Assert.Contains(",0.8734,0.41,12.5,", text);
            Assert.Equal(Rows[0], ResultsCsv.Read(new StringReader(text)).Single());
        }
        finally
        {
            Thread.CurrentThread.CurrentCulture = previous;
        }
    }

    [Fact]
    public void Malformed_value_error_names_the_line_and_column()
    {
        var lines = WriteToString(Rows.Take(1)).Split('\n');
        var bad = string.Join('\n', lines[0], lines[1], lines[1].Replace("0.8734", "high"));

        var error = Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(new StringReader(bad), "run/results.csv"));

        Assert.Contains("run/results.csv line 3", error.Message);
        Assert.Contains("accuracy", error.Message);
        Assert.Contains("high", error.Message);
    }

    [Fact]
    public void Row_with_too_few_fields_error_names_the_line()
    {
        var text = WriteToString([]) + "trained->trained,resnet18,stem\n";

        var error = Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(new StringReader(text)));

        Assert.Contains("line 2", error.Message);
        Assert.Contains("found 3", error.Message);
    }

    [Fact]
    public void Unclosed_quote_error_names_the_line_where_the_record_starts()
    {
        var text = WriteToString(Rows.Take(1)) + "trained->trained,\"resnet(1,2,1,2),stem\n";

        var error = Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(new StringReader(text)));

        Assert.Contains("line 3", error.Message);
        Assert.Contains("quoted field", error.Message);
    }

    [Fact]
    public void Missing_header_column_is_reported()
    {
        var error = Assert.Throws<InvalidDataException>(() => ResultsCsv.Read(new StringReader("variant,sender_arch\nx,y\n")));

        Assert.Contains("line 1", error.Message);
        Assert.Contains("sender_layer", error.Message);
    }

    [Fact]
    public void File_without_provenance_columns_reads_with_defaults()
    {
        var text = "variant,sender_arch,sender_layer,receiver_arch,receiver_layer,stitch_kind,stitch_params,epochs,train_images,accuracy,loss,seconds\r\n" +
                   "trained->trained,resnet18,stem,resnet18,1.0,conv1x1,272,1,1000,0.5,1.2,3\r\n";

        var row = ResultsCsv.Read(new StringReader(text)).Single();

        Assert.Equal(new StitchResult("trained->trained", "resnet18", "stem", "resnet18", "1.0", "conv1x1", 272, 1, 1000, 0.5, 1.2, 3), row);
    }

    [Fact]
    public void WriteFile_replaces_the_file_and_leaves_no_temporary_files()
    {
        var dir = Directory.CreateTempSubdirectory("stitching-csv-");
        try
        {
            var path = Path.Combine(dir.FullName, "results.csv");
            ResultsCsv.WriteFile(path, Rows);
            ResultsCsv.WriteFile(path, Rows.Take(1));

            Assert.Equal(Rows.Take(1), ResultsCsv.ReadFile(path));
            Assert.Equal([path], Directory.GetFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadFile_error_names_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("stitching-csv-");
        try
        {
            var path = Path.Combine(dir.FullName, "results.csv");
            File.WriteAllText(path, "");

            var error = Assert.Throws<InvalidDataException>(() => ResultsCsv.ReadFile(path));

            Assert.Contains(path, error.Message);
            Assert.Contains("line 1", error.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
