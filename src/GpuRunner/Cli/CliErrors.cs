using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Engine.Data;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>Turns the errors a user can fix into one clear message and exit code 2, instead of a stack trace.</summary>
public static class CliErrors
{
    public static async Task<int> RunAsync(CommandApp app, string[] args)
    {
        try
        {
            return await app.RunAsync(args);
        }
        catch (RunnerCannotStartException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)} (exit {Stitching.Domain.Jobs.RunnerJob.CannotStartExitCode}: the runner cannot start)");
            return Stitching.Domain.Jobs.RunnerJob.CannotStartExitCode;
        }
        catch (Exception e) when (e is CommandParseException or CommandRuntimeException or DatasetException or FormatException
                                   or ArgumentException or IncompatibleShapesException or InvalidDataException or FileNotFoundException
                                   or StorageConfigurationException or OptionsValidationException or KeyNotFoundException or IncomparableSweepsException
                                   or ApiException or Engine.Kernels.KernelCheckException or Engine.Training.NonFiniteTrainingException or Engine.Sweeps.ModelAtChanceException)
        {
            // An option's converter (WireNameTypeConverter) says which values it takes; Spectre's own message only names the type.
            var message = e is CommandRuntimeException && e.InnerException is FormatException inner ? $"{e.Message} {inner.Message}" : e.Message;
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled[/]: finished stitches are in results.csv; rerun the same command to resume.");
            return 130;
        }
    }
}
