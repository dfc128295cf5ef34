using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Hosting;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Support;

/// <summary>A real central service on loopback (Kestrel, port 0) over a test store, with an admin and a terminal token.</summary>
public sealed class CentralHarness : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    private CentralHarness(CentralServer server, FakeTimeProvider time, string adminToken, string terminalToken)
    {
        Server = server;
        Time = time;
        AdminToken = adminToken;
        TerminalToken = terminalToken;
        Address = server.Addresses[0];
        Admin = Client(adminToken);
        Terminal = Client(terminalToken);
    }

    public CentralServer Server { get; }

    public FakeTimeProvider Time { get; }

    public string Address { get; }

    public string AdminToken { get; }

    public string TerminalToken { get; }

    public CentralClient Admin { get; }

    /// <summary>Terminal "lane-1" of store "shop-1".</summary>
    public CentralClient Terminal { get; }

    /// <summary>Business time of registrations made by <see cref="RegisterAsync"/>: a day before the clock, so backdated sales follow it.</summary>
    public DateTimeOffset RegisteredAt => Time.GetUtcNow().AddDays(-1);

    public static async Task<CentralHarness> StartAsync(string store, FakeTimeProvider? time = null, Action<CentralOptions>? configure = null, ILoggerFactory? loggerFactory = null)
    {
        time ??= TestClock.Create();
        var options = new CentralOptions { Store = store, StateDirectory = Path.GetTempPath(), JobInterval = TimeSpan.Zero };
        options.Urls.Add("http://127.0.0.1:0");
        configure?.Invoke(options);
        var server = await CentralServer.StartAsync(options, time, loggerFactory ?? NullLoggerFactory.Instance).WithTimeout(TimeSpan.FromSeconds(60));
        var credentials = new CredentialService(server.Store, time, TimeSpan.Zero);
        var (_, admin) = await credentials.CreateAsync(CredentialRole.Admin, null, null, "tests", CancellationToken.None);
        var (_, terminal) = await credentials.CreateAsync(CredentialRole.Terminal, "lane-1", "shop-1", "tests", CancellationToken.None);
        return new CentralHarness(server, time, admin, terminal);
    }

    public CentralClient Client(string? token)
    {
        var channel = GrpcChannels.ForAddress(Address);
        _channels.Add(channel);
        return new CentralClient(channel, token);
    }

    /// <summary>Registers a member of a program; returns the assigned card number.</summary>
    public async Task<string> RegisterAsync(string program, DateOnly? birthday = null)
    {
        var request = new RegisterMemberRequest
        {
            RequestId = "reg-" + Guid.NewGuid().ToString("N"),
            ProgramId = program,
            FullName = "Test Member",
            Phone = "+77011234567",
            PhoneConfirmed = true,
            ConsentPersonalData = true,
            BusinessTime = Timestamp.FromDateTimeOffset(RegisteredAt),
        };
        if (birthday is { } b)
        {
            request.Birthday = new Date { Year = b.Year, Month = b.Month, Day = b.Day };
        }

        var response = await Terminal.RegisterAsync(request).WithTimeout();
        return response.Card.CardNumber;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await Server.DisposeAsync();
    }
}

/// <summary>Builders of terminal transactions.</summary>
public static class Tx
{
    public static TerminalTransaction Sale(string card, DateTimeOffset at, long cashMinor, long pointsMinor = 0, string category = "lab", string? id = null, int lines = 1)
    {
        var total = cashMinor + pointsMinor;
        var sale = new Sale();
        var per = total / lines;
        for (var i = 0; i < lines; i++)
        {
            var amount = i == lines - 1 ? total - (per * (lines - 1)) : per;
            sale.Lines.Add(new SaleLine { LineId = $"l{i}", Category = category, UnitPriceMinor = amount, Quantity = 1 });
        }

        if (cashMinor > 0)
        {
            sale.Payments.Add(new Payment { Kind = PaymentKind.Cash, AmountMinor = cashMinor });
        }

        if (pointsMinor > 0)
        {
            sale.Payments.Add(new Payment { Kind = PaymentKind.Points, AmountMinor = pointsMinor });
        }

        return new TerminalTransaction
        {
            TransactionId = id ?? "tx-" + Guid.NewGuid().ToString("N"),
            BusinessTime = Timestamp.FromDateTimeOffset(at),
            CardNumber = card,
            Sale = sale,
        };
    }

    public static TerminalTransaction Refund(string originalId, DateTimeOffset at, params (string LineId, int Quantity)[] lines)
    {
        var refund = new Refund { OriginalTransactionId = originalId };
        foreach (var (lineId, quantity) in lines)
        {
            refund.Lines.Add(new RefundLine { LineId = lineId, Quantity = quantity });
        }

        return new TerminalTransaction
        {
            TransactionId = "rf-" + Guid.NewGuid().ToString("N"),
            BusinessTime = Timestamp.FromDateTimeOffset(at),
            Refund = refund,
        };
    }
}
