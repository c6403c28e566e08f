using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Reliability.Tests;

/// <summary>The settings a user copies for the real Functions host and the Service Bus emulator are ones the code reads.</summary>
public sealed class LocalSettingsTests
{
    private static Dictionary<string, string?> Values()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "infra", "local", "local.settings.example.json")));
        return doc.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    [Fact]
    public void Every_stitching_key_in_the_example_is_an_option_the_code_binds()
    {
        var known = new Dictionary<string, Type>
        {
            ["Stitching__Queue__"] = typeof(JobQueueOptions),
            ["Stitching__Storage__"] = typeof(StitchingStorageOptions),
        };
        foreach (var key in Values().Keys.Where(k => k.StartsWith("Stitching__", StringComparison.Ordinal)))
        {
            var (prefix, type) = known.Single(k => key.StartsWith(k.Key, StringComparison.Ordinal));
            var property = key[prefix.Length..];
            Assert.True(type.GetProperty(property) is not null, $"{key}: {type.Name} has no property {property}, so the setting is ignored");
        }
    }

    [Fact]
    public void The_example_reaches_the_service_bus_emulator_with_its_connection_string_and_the_queues_settings()
    {
        // Given the example's values as the host would load them (double underscores are section separators)
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Values().Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":"), kv.Value)))
            .Build();

        // Then the queue options carry the emulator's connection string and the emulator queue's lock and deliveries
        var queue = configuration.GetSection(JobQueueOptions.Section).Get<JobQueueOptions>()!;
        Assert.True(queue.UsesServiceBus);
        Assert.Contains("UseDevelopmentEmulator=true", queue.ConnectionString);
        using var emulator = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repo.Root, "servicebus-emulator", "config.json")));
        var props = emulator.RootElement.GetProperty("UserConfig").GetProperty("Namespaces")[0].GetProperty("Queues")
            .EnumerateArray().Single(q => q.GetProperty("Name").GetString() == queue.QueueName).GetProperty("Properties");
        Assert.Equal(System.Xml.XmlConvert.ToTimeSpan(props.GetProperty("LockDuration").GetString()!), queue.LockDuration);
        Assert.Equal(props.GetProperty("MaxDeliveryCount").GetInt32(), queue.MaxDeliveries);
    }
}
