namespace Stitching.Platform.Tests;

/// <summary>
/// Sweep specs used across tests: one trained pair, 2 x 2 layers, so 2 models and 4 stitches, each stitch its own job
/// (the tests follow single jobs through failures; grouped jobs have their own tests).
/// </summary>
public static class Specs
{
    public const string Small = """
        {
          "name": "small <b>&\"quoted\"",
          "senders": ["resnet(1,1,1,1)"],
          "receivers": ["resnet(1,1,1,1)"],
          "variants": ["trained->trained"],
          "senderLayers": ["stem", "1.0"],
          "receiverLayers": ["2.0", "3.0"],
          "trainLimit": 1000,
          "stitch": { "epochs": 1 },
          "stitchesPerJob": 1
        }
        """;
}
