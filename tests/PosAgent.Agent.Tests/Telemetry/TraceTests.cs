using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Telemetry;

/// <summary>
/// One sale's trace from the POS call at the agent, through the outbox and the sync batch, to the
/// central service's apply: the real agent and the real central service in-process (SQLite,
/// Kestrel on loopback), their spans read with OpenTelemetry's in-memory exporter.
/// </summary>
[Collection("survival")]
public sealed class TraceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private CentralFixture _central = null!;

    public async Task InitializeAsync() => _central = await CentralFixture.CreateAsync(_dir);

    public async Task DisposeAsync()
    {
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Sale_CommittedThenSynced_CommitAndCentralApplyShareOneTrace()
    {
        var spans = new List<Activity>();
        var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource("PosAgent.Agent", "PosAgent.Central")
            .AddAspNetCoreInstrumentation()
            .AddInMemoryExporter(spans)
            .Build();
        string operationId;
        try
        {
            var token = await _central.TokenAsync("lane-trace");
            var card = TestCards.Csm(1901);
            await _central.RegisterAsync(card);
            await using var agent = await TestAgent.StartAsync(_dir, o =>
            {
                o.TerminalId = "lane-trace";
                o.CentralAddress = _central.Address;
                o.CentralToken = token;
            });
            var client = agent.Client;
            var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
            await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
            await client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
            operationId = (await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 120_000 } }).WithTimeout()).OperationId;
            await Waits.UntilSyncedAsync(client, TimeSpan.FromSeconds(60));
        }
        finally
        {
            // Ends the exports, so the list is read by this thread alone.
            tracing.Dispose();
        }

        var commit = Assert.Single(spans, s => s.DisplayName == "posagent.agent.commit sale" && (s.GetTagItem("posagent.operation.id") as string) == operationId);
        var apply = Assert.Single(spans, s => s.DisplayName == "posagent.central.apply sale" && (s.GetTagItem("posagent.transaction.id") as string) == operationId);
        Assert.Equal(commit.TraceId, apply.TraceId);
        Assert.Equal(commit.SpanId, apply.ParentSpanId);

        // The commit is a child of the POS call's server span (W3C context of the local API call).
        var posCall = Assert.Single(spans, s => s.SpanId == commit.ParentSpanId);
        Assert.Equal(ActivityKind.Server, posCall.Kind);
        Assert.Equal(commit.TraceId, posCall.TraceId);

        // The batch that synced it links to the commit; the central service's batch span continues
        // the batch's trace (traceparent in the gRPC call's metadata) and the apply links to it.
        var batch = Assert.Single(spans, s => s.DisplayName == "posagent.agent.sync batch" && s.Links.Any(l => l.Context.SpanId == commit.SpanId));
        Assert.Equal(0, batch.GetTagItem("rpc.grpc.status_code"));
        var ingest = Assert.Single(spans, s => s.DisplayName == "posagent.central.ingest batch" && apply.Links.Any(l => l.Context.SpanId == s.SpanId));
        Assert.Equal(batch.TraceId, ingest.TraceId);
    }
}
