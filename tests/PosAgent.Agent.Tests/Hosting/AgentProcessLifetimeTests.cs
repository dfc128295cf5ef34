using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

public sealed class AgentProcessLifetimeTests
{
    [Fact]
    public async Task Run_Sigterm_ExitsWithCodeZeroAndRemovesNothingFromTheOutbox()
    {
        using var dir = new TempDirectory("pa-life-");
        await using var agent = await AgentProcess.StartAsync(dir.Path, "terminal-life", central: null, token: null);

        var exitCode = await agent.TerminateAsync(TimeSpan.FromSeconds(20));

        // systemd sends SIGTERM on stop; an agent that ignores it is killed 90 s later, mid-write.
        Assert.Equal(0, exitCode);
        Assert.True(File.Exists(Path.Combine(dir.Path, "agent.db")), "the agent database must stay on disk after a clean stop");
    }
}
