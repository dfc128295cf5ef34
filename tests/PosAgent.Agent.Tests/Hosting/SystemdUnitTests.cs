using System.Text.RegularExpressions;
using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

/// <summary>The unit files of packaging/systemd, as docs/operations.md installs them, checked by systemd itself.</summary>
public sealed class SystemdUnitTests
{
    public static TheoryData<string> Units => new() { "posagent-agent.service", "posagent-central.service" };

    [SystemdAnalyzeTheory]
    [MemberData(nameof(Units))]
    public async Task Verify_UnitFile_SystemdFindsNothingToSay(string unit)
    {
        var path = Path.Combine(Repo.Root, "packaging", "systemd", unit);

        var verify = await ForeignProcess.RunAsync(SystemdAnalyzeTheoryAttribute.Path, ["verify", path]);

        // systemd-analyze exits 0 even for an unknown value it ignores; any message is a problem.
        Assert.True(verify.ExitCode == 0 && (verify.Output + verify.Error).Trim().Length == 0, $"systemd-analyze verify {unit}: exit {verify.ExitCode}\n{verify.Output}{verify.Error}");
    }

    [SystemdAnalyzeFact]
    public async Task Verify_UnitWithAMistake_IsReported()
    {
        // The check above can fail: a misspelt service type is reported.
        using var dir = new TempDirectory("pa-unit-");
        var broken = dir.File("posagent-agent.service");
        var text = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "packaging", "systemd", "posagent-agent.service"));
        await File.WriteAllTextAsync(broken, text.Replace("Type=notify", "Type=notfy", StringComparison.Ordinal));

        var verify = await ForeignProcess.RunAsync(SystemdAnalyzeTheoryAttribute.Path, ["verify", broken]);

        Assert.Contains("notfy", verify.Output + verify.Error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public async Task UnitFile_NotifyTypeAndShownAsIsInOperationsDoc(string unit)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "packaging", "systemd", unit));
        var doc = await File.ReadAllTextAsync(Path.Combine(Repo.Root, "docs", "operations.md"));

        Assert.Contains("\nType=notify\n", text, StringComparison.Ordinal);
        var blocks = Regex.Matches(doc, "```ini\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(text, blocks);
    }
}

/// <summary>A test that needs systemd-analyze (Debian's systemd package; ./test.sh installs it): skipped, saying so, where it is missing.</summary>
public sealed class SystemdAnalyzeFactAttribute : FactAttribute
{
    public SystemdAnalyzeFactAttribute()
    {
        if (!File.Exists(SystemdAnalyzeTheoryAttribute.Path))
        {
            Skip = SystemdAnalyzeTheoryAttribute.Missing;
        }
    }
}

/// <summary>The theory form of <see cref="SystemdAnalyzeFactAttribute"/>.</summary>
public sealed class SystemdAnalyzeTheoryAttribute : TheoryAttribute
{
    public const string Path = "/usr/bin/systemd-analyze";
    public const string Missing = "systemd-analyze is not installed (Debian package systemd, which ./test.sh installs): unit files not verified";

    public SystemdAnalyzeTheoryAttribute()
    {
        if (!File.Exists(Path))
        {
            Skip = Missing;
        }
    }
}
