using System.Net;
using System.Net.Sockets;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Agent.Internal.Central;
using PosAgent.Central;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Hosting;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Support;

/// <summary>
/// The real central service (PosAgent.Central) in-process on a SQLite file and a fixed loopback
/// port, so it can be stopped and started again at the same address while agents keep running.
/// </summary>
internal sealed class CentralFixture : IAsyncDisposable
{
    private readonly string _database;
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private CentralServer? _server;
    private string? _adminToken;

    private CentralFixture(string database, int port)
    {
        _database = database;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The address agents are configured with (a proxy may stand in front of it).</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    public bool Running => _server is not null;

    public static async Task<CentralFixture> CreateAsync(TempDirectory dir, bool start = true)
    {
        var fixture = new CentralFixture(dir.File("central.db"), FreePort());
        fixture._adminToken = await fixture.CliTokenAsync("admin", "create");
        if (start)
        {
            await fixture.StartAsync();
        }

        return fixture;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync()
    {
        var options = new CentralOptions { Store = _database, ProgramsDirectory = Repo.ProgramsDirectory, JobInterval = TimeSpan.Zero, StateDirectory = Path.GetDirectoryName(_database)! };
        options.Urls.Add(Address);
        _server = await CentralServer.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance).WithTimeout(TimeSpan.FromSeconds(60));
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    /// <summary>A terminal credential (created once per terminal id, through the operator CLI).</summary>
    public async Task<string> TokenAsync(string terminalId)
    {
        if (!_tokens.TryGetValue(terminalId, out var token))
        {
            token = await CliTokenAsync("terminal", "create", terminalId, "--store-id", "shop-1");
            _tokens[terminalId] = token;
        }

        return token;
    }

    /// <summary>Registers a member with the given card in a program, through the terminal API.</summary>
    public async Task<RegisterMemberResponse> RegisterAsync(string cardNumber, string program = "CSM", long qualifyingPaymentMinor = 0)
    {
        using var client = new GrpcCentralClient(Address, await TokenAsync("registrar"), null);
        return await client.RegisterMemberAsync(new RegisterMemberRequest
        {
            RequestId = "reg-" + cardNumber,
            ProgramId = program,
            FullName = "Test Member",
            Phone = "+79991234567",
            PhoneConfirmed = true,
            ConsentPersonalData = true,
            BusinessTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            CardNumber = cardNumber,
            QualifyingPaymentMinor = qualifyingPaymentMinor,
        }, CancellationToken.None).WithTimeout();
    }

    /// <summary>Gives a card points through one of its program's events (e.g. RT's "survey": 100..1000, usable at once); fails if the central service refuses.</summary>
    public async Task GrantAsync(string cardNumber, long points, string kind)
    {
        using var channel = GrpcChannels.ForAddress(Address);
        var admin = new LoyaltyAdminService.LoyaltyAdminServiceClient(channel);
        var result = await admin.GrantPointsAsync(new GrantPointsRequest
        {
            OperationId = "grant-" + Guid.NewGuid().ToString("N"),
            CardNumber = cardNumber,
            Kind = kind,
            Points = points,
            Reason = "test",
            BusinessTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        }, new CallOptions(new Metadata { { "authorization", "Bearer " + _adminToken } })).ResponseAsync.WithTimeout();
        if (result.Outcome == TransactionOutcome.Rejected)
        {
            throw new InvalidOperationException($"grant refused: {result.Rejection?.Message}");
        }
    }

    /// <summary>INV-HP-R1: switches a card between bonus and discount card through the admin API.</summary>
    public async Task<CardSnapshot> SetModeAsync(string cardNumber, AccountMode mode, bool writtenRequest = true)
    {
        using var channel = GrpcChannels.ForAddress(Address);
        var admin = new LoyaltyAdminService.LoyaltyAdminServiceClient(channel);
        return await admin.SetCardModeAsync(
            new SetCardModeRequest { CardNumber = cardNumber, Mode = mode, WrittenRequest = writtenRequest },
            new CallOptions(new Metadata { { "authorization", "Bearer " + _adminToken } })).ResponseAsync.WithTimeout();
    }

    public async Task<CardSnapshot> SnapshotAsync(string cardNumber)
    {
        using var client = new GrpcCentralClient(Address, await TokenAsync("registrar"), null);
        return await client.GetCardSnapshotAsync(new GetCardSnapshotRequest { CardNumber = cardNumber }, CancellationToken.None).WithTimeout();
    }

    /// <summary>The central ledger's entries for these transaction ids (one per id applied).</summary>
    public Task<IReadOnlyDictionary<string, LedgerEntry>> EntriesAsync(IReadOnlyCollection<string> transactionIds) =>
        _server!.Store.ReadAsync((session, ct) => session.GetEntriesAsync(transactionIds, ct), CancellationToken.None);

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task<string> CliTokenAsync(params string[] command)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["--store", _database, "--programs", Repo.ProgramsDirectory, .. command];
        var code = await CentralCli.RunAsync(args, output, error).WithTimeout(TimeSpan.FromSeconds(60));
        var line = output.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("token: ", StringComparison.Ordinal));
        return code == 0 && line is not null ? line["token: ".Length..].Trim() : throw new InvalidOperationException($"posagent-central {string.Join(' ', command)} failed: {error}");
    }
}
