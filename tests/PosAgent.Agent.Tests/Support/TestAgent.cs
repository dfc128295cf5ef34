using Microsoft.Extensions.Logging;
using PosAgent.Agent.Internal.Central;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Support;

/// <summary>An agent started in-process on a temporary folder, with a client on its Unix socket.</summary>
internal sealed class TestAgent : IAsyncDisposable
{
    private TestAgent(AgentHost host, LocalApiClient client)
    {
        Host = host;
        Client = client;
    }

    public AgentHost Host { get; }

    public LocalApiClient Client { get; }

    internal AgentParts Parts => Host.Parts;

    public static async Task<TestAgent> StartAsync(TempDirectory dir, Action<AgentOptions>? configure = null, ICentralClient? central = null, TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        var options = new AgentOptions
        {
            DataDirectory = dir.File("agent"),
            ProgramsDirectory = Repo.ProgramsDirectory,
        };
        configure?.Invoke(options);
        var host = await AgentHost.StartAsync(options, new AgentOverrides { CentralClient = central, TimeProvider = time, LoggerFactory = loggerFactory }, CancellationToken.None).WithTimeout();
        return new TestAgent(host, LocalApiClient.ForUnixSocket(host.SocketPath!));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>Paths in the repository.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ProgramsDirectory => Path.Combine(Root, "programs");

    public static LoyaltyProgram Program(string file) => LoyaltyProgram.Load(Path.Combine(ProgramsDirectory, file));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PosAgent.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("PosAgent.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Valid card numbers of the programs' formats.</summary>
internal static class TestCards
{
    /// <summary>A CSM card: 16 digits, prefix 7800, Luhn check digit.</summary>
    public static string Csm(int n) => WithLuhn("7800" + n.ToString("D11", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>An INV-KZ card: 13 digits, prefix 2601, EAN-13 check digit.</summary>
    public static string InvKz(int n) => Ean13("2601", n);

    /// <summary>An INV-RU card: 13 digits, prefix 2600, EAN-13 check digit.</summary>
    public static string InvRu(int n) => Ean13("2600", n);

    /// <summary>An INV-HP card: 13 digits, prefix 2602, EAN-13 check digit.</summary>
    public static string InvHp(int n) => Ean13("2602", n);

    /// <summary>An INV-BY card: 13 digits, prefix 2603, EAN-13 check digit.</summary>
    public static string InvBy(int n) => Ean13("2603", n);

    private static string Ean13(string prefix, int n)
    {
        var body = prefix + n.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
        var sum = 0;
        for (var i = 0; i < 12; i++)
        {
            sum += (body[i] - '0') * (i % 2 == 0 ? 1 : 3);
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>An RT card: 16 digits, prefix 6400, Luhn check digit.</summary>
    public static string Rt(int n) => WithLuhn("6400" + n.ToString("D11", System.Globalization.CultureInfo.InvariantCulture));

    public static string WithLuhn(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>
    /// A snapshot as the central service would send it: an active CSM card with <paramref name="usable"/>
    /// usable points in its engine state, and the program's offline allowance.
    /// </summary>
    public static CardSnapshot CsmSnapshot(string card, long usable, DateTimeOffset now, long allowance = 2000)
    {
        var program = Repo.Program("csm.json");
        var state = new AccountState
        {
            AccountId = "acc-" + card[^4..],
            ProgramId = program.Id,
            ProgramVersion = program.Version,
            CardNumber = card,
            JoinedAt = now.AddDays(-60),
            TierId = program.Definition.Tiers.Levels[0].Id,
            LastOperationAt = now.AddDays(-30),
            Lots = usable == 0 ? [] :
            [
                new PointLot
                {
                    Id = "seed#0",
                    Kind = LotKind.Adjustment,
                    SourceTransactionId = "seed",
                    Amount = usable,
                    Remaining = usable,
                    CreditedAt = now.AddDays(-30),
                    UsableFrom = now.AddDays(-30),
                },
            ],
        };
        return new CardSnapshot
        {
            CardNumber = card,
            AccountId = state.AccountId,
            State = CardState.Active,
            Balance = new BalanceInfo { Balance = usable, Usable = usable, Tier = state.TierId },
            OfflineRedemptionAllowance = allowance,
            ProgramId = program.Id,
            ProgramVersion = program.Version,
            AccountStateJson = AccountStateJson.Serialize(state),
        };
    }
}
