using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

/// <summary>The agent's files: databases for its user only, the data folder traversable by the POS group for the socket.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Folder0710 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute;

    [Fact]
    public async Task Start_NewDataFolder_Folder0710_Database0600_Socket660()
    {
        using var dir = new TempDirectory("pa-modes-");
        await using var agent = await TestAgent.StartAsync(dir);
        var data = agent.Host.Options.DataDirectory;

        Assert.Equal(Folder0710, File.GetUnixFileMode(data));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(agent.Host.Options.DatabasePath));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(agent.Host.Options.DatabasePath + "-wal"));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(Path.Combine(data, "agent-open-checks.db")));
        Assert.Equal(OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(agent.Host.SocketPath!));
    }

    [Fact]
    public async Task Start_WithPrinter_PrintQueueDatabase0600()
    {
        await using var lane = new SimulatedLane();
        await using var agent = await TestAgent.StartAsync(lane.Directory, lane.Configure);

        var queue = Path.Combine(agent.Host.Options.DataDirectory, "print-queue.db");
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(queue));
    }

    [Fact]
    public async Task Start_DataGroupReadable_Folder0750_Databases0640()
    {
        await using var lane = new SimulatedLane();
        await using var agent = await TestAgent.StartAsync(lane.Directory, o =>
        {
            lane.Configure(o);
            o.DataGroupReadable = true;
        });

        const UnixFileMode groupRead = OwnerReadWrite | UnixFileMode.GroupRead;
        Assert.Equal(Folder0710 | UnixFileMode.GroupRead, File.GetUnixFileMode(agent.Host.Options.DataDirectory));
        Assert.Equal(groupRead, File.GetUnixFileMode(agent.Host.Options.DatabasePath));
        Assert.Equal(groupRead, File.GetUnixFileMode(Path.Combine(agent.Host.Options.DataDirectory, "agent-open-checks.db")));
        Assert.Equal(groupRead, File.GetUnixFileMode(Path.Combine(agent.Host.Options.DataDirectory, "print-queue.db")));
    }

    [Fact]
    public async Task Start_SocketInAMissingFolder_FolderCreated0710()
    {
        using var dir = new TempDirectory("pa-modes-");
        var socket = Path.Combine(dir.Path, "run", "posagent", "agent.sock");
        await using var agent = await TestAgent.StartAsync(dir, o => o.SocketPath = socket);

        Assert.Equal(Folder0710, File.GetUnixFileMode(Path.GetDirectoryName(socket)!));
        var check = await agent.Client.OpenCheckAsync(new Contracts.PosAgent.V1.OpenCheckRequest()).WithTimeout();
        Assert.False(string.IsNullOrEmpty(check.CheckId));
    }
}
