namespace FirmwareSim.WebConsole.Tests;

/// <summary>
/// One chromium for every browser test; the classes run one after another (each starts a lane, and
/// the agent's status polls want a reply within a second even on two loaded cores).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "chromium";
}
