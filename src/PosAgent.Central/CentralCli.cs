using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PosAgent.Central.Internal;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Hosting;
using PosAgent.Rules;
using AccountMode = PosAgent.Contracts.Loyalty.V1.AccountMode;

namespace PosAgent.Central;

/// <summary>posagent-central: the service (serve) and the operator's commands, which work on the store directly.</summary>
public static class CentralCli
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        var cli = new Builder(args, output, error);
        var parse = cli.Root().Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Builder(string[] args, TextWriter output, TextWriter error)
    {
        private readonly Option<string?> _config = new("--config") { Description = "JSON configuration file (the settings of docs/central.md); POSAGENT_CENTRAL_* environment variables and flags override it", Recursive = true };
        private readonly Option<string?> _stateDir = new("--state-dir") { Description = "Folder for the SQLite database (default: $POSAGENT_CENTRAL_STATE_DIR or ~/.local/state/posagent-central)", Recursive = true };
        private readonly Option<string?> _store = new("--store") { Description = "PostgreSQL connection string (Host=...;Database=...) or a SQLite file path (default: <state-dir>/central.db)", Recursive = true };
        private readonly Option<string?> _programs = new("--programs") { Description = "Folder of program definition files to load (default: the repository's programs/)", Recursive = true };

        public RootCommand Root()
        {
            var root = new RootCommand("posagent-central: the central loyalty service and its operator commands");
            root.Options.Add(_config);
            root.Options.Add(_stateDir);
            root.Options.Add(_store);
            root.Options.Add(_programs);
            root.Subcommands.Add(Serve());
            root.Subcommands.Add(Migrate());
            root.Subcommands.Add(Terminal());
            root.Subcommands.Add(Admin());
            root.Subcommands.Add(Card());
            root.Subcommands.Add(ProgramCommand());
            root.Subcommands.Add(RunJob());
            root.Subcommands.Add(Liability());
            return root;
        }

        private Command Serve()
        {
            var urls = new Option<string[]>("--url") { Description = $"Listen URL, repeatable (default {CentralDefaults.Url}); https needs --tls-cert", AllowMultipleArgumentsPerToken = true };
            var cert = new Option<string?>("--tls-cert") { Description = "PEM certificate (chain) for https URLs" };
            var key = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert (if not in the same file)" };
            var insecure = new Option<bool>("--allow-insecure") { Description = "Allow http:// on a non-loopback address (tokens would cross the network in clear)" };
            var jobInterval = new Option<TimeSpan?>("--job-interval") { Description = "How often the jobs run (default 00:15:00; 0 disables)" };
            var maxBatch = new Option<int?>("--max-batch") { Description = "Most transactions one SubmitTransactions call may carry (default 500; 1..10000)" };
            var rateLimit = new Option<int?>("--rate-limit") { Description = "Transactions per second each terminal may submit (default 5000)" };
            var rateBurst = new Option<int?>("--rate-burst") { Description = "Transactions a terminal may submit at once above the rate (default 10000)" };
            var unauthenticatedBurst = new Option<int?>("--unauthenticated-burst") { Description = "Failed authentications one address may make before further failures are refused unlogged (default 30; one more per 2 s)" };
            var noMetrics = new Option<bool>("--no-metrics") { Description = "Do not serve Prometheus metrics at /metrics (served by default on the service's URLs)" };
            var otlp = new Option<Uri?>("--otlp-endpoint") { Description = "Send metrics and traces to this OTLP/gRPC collector, e.g. http://127.0.0.1:4317 (default off)" };
            var holdTtl = new Option<TimeSpan?>("--redemption-hold-ttl") { Description = "How long points authorized online stay reserved for their sale (default 00:15:00)" };
            var command = new Command("serve", "Run the service (migrates the store and loads the program files first)") { urls, cert, key, insecure, jobInterval, maxBatch, rateLimit, rateBurst, unauthenticatedBurst, holdTtl, noMetrics, otlp };
            // Any other setting may be given as --Name=value (e.g. --MaxClockSkew=00:10:00).
            command.TreatUnmatchedTokensAsErrors = false;
            command.SetAction(async (parse, ct) => await Guarded(() => ServeAsync(parse, ct)).ConfigureAwait(false));
            return command;
        }

        /// <summary>
        /// Runs the service on the Generic Host until SIGTERM or Ctrl+C (systemd's lifetime under
        /// systemd). Exit codes: 0 stopped cleanly, 1 could not start, 2 invalid configuration.
        /// </summary>
        private async Task<int> ServeAsync(ParseResult parse, CancellationToken ct)
        {
            var (configuration, bound) = Configure(parse);
            var app = CentralServer.CreateProgram(configuration, bound.ShutdownTimeout);
            await using (app.ConfigureAwait(false))
            {
                try
                {
                    await app.StartAsync(ct).ConfigureAwait(false);
                }
                catch (Microsoft.Extensions.Options.OptionsValidationException ex)
                {
                    await error.WriteLineAsync("error: " + string.Join("; ", ex.Failures)).ConfigureAwait(false);
                    return ExitCodes.ConfigurationInvalid;
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException
                    or System.Data.Common.DbException or System.Security.Cryptography.CryptographicException or System.Net.Sockets.SocketException)
                {
                    // A start-up problem the operator can act on (the store, a port, a certificate): one line, no stack trace.
                    await error.WriteLineAsync("posagent-central cannot start: " + ex.Message).ConfigureAwait(false);
                    return ExitCodes.StartFailed;
                }

                var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CentralOptions>>().Value;
                await output.WriteLineAsync($"posagent-central listening on {string.Join(", ", CentralServer.AddressesOf(app))}; store {Describe(options)}. Ctrl+C stops.").ConfigureAwait(false);
                await output.FlushAsync(ct).ConfigureAwait(false);
                await app.WaitForShutdownAsync(CancellationToken.None).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
        }

        private Command Migrate()
        {
            var command = new Command("migrate", "Apply the pending schema migrations and exit");
            command.SetAction(async (parse, ct) => await Guarded(async () =>
            {
                var options = Options(parse);
                await using var store = LoyaltyStores.Open(options.ResolvedStore);
                var applied = await store.MigrateAsync(ct).ConfigureAwait(false);
                var version = await store.GetSchemaVersionAsync(ct).ConfigureAwait(false);
                await output.WriteLineAsync($"{Describe(options)}: {applied} migration(s) applied; schema version {version}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            return command;
        }

        private Command Terminal()
        {
            var id = new Argument<string>("terminal-id") { Description = "Terminal id (letters, digits, . _ : -)" };
            var storeId = new Option<string>("--store-id") { Description = "The store (shop, clinic) the terminal belongs to", Required = true };
            var description = new Option<string>("--description") { Description = "Free text", DefaultValueFactory = _ => string.Empty };
            var chainId = new Option<string?>("--chain-id") { Description = "The chain the store belongs to (set once per store; a store stays in its first chain)" };
            var scope = new Option<string?>("--scope") { Description = "What the terminal acts for: 'store' (its own store, the default) or 'chain' (every store of its store's chain)" };
            scope.AcceptOnlyFromAmong("store", "chain");
            var create = new Command("create", "Create a terminal credential; prints the token once") { id, storeId, description, chainId, scope };
            create.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var terminal = parse.GetValue(id)!;
                RequestValidator.Id("terminal-id", terminal);
                RequestValidator.Id("--store-id", parse.GetValue(storeId)!);
                var chain = parse.GetValue(chainId);
                if (chain is not null)
                {
                    RequestValidator.Id("--chain-id", chain);
                }

                var (record, token) = await c.Credentials.CreateAsync(CredentialRole.Terminal, terminal, parse.GetValue(storeId), parse.GetValue(description)!, ct, ScopeOf(parse.GetValue(scope)) ?? CredentialScope.Store, chain).ConfigureAwait(false);
                await output.WriteLineAsync($"terminal {record.TerminalId} (store {record.StoreId}{ChainText(record)}, scope {ScopeText(record.Scope)}) credential {record.CredentialId}").ConfigureAwait(false);
                await output.WriteLineAsync($"token: {token}").ConfigureAwait(false);
                await output.WriteLineAsync("Keep the token secret: it is shown only now (only its hash is stored).").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));

            var all = new Option<bool>("--all") { Description = "Include revoked credentials" };
            var list = new Command("list", "List terminal credentials") { all };
            list.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                foreach (var t in await c.Credentials.ListAsync(CredentialRole.Terminal, ct).ConfigureAwait(false))
                {
                    if (t.RevokedAt is null || parse.GetValue(all))
                    {
                        await output.WriteLineAsync($"{t.TerminalId}\tstore={t.StoreId}\tchain={t.ChainId ?? "-"}\tscope={ScopeText(t.Scope)}\tcredential={t.CredentialId}\tcreated={t.CreatedAt:u}\t{(t.RevokedAt is { } r ? "revoked=" + r.ToString("u", CultureInfo.InvariantCulture) : "active")}\t{t.Description}").ConfigureAwait(false);
                    }
                }

                return 0;
            }).ConfigureAwait(false));

            var revokeId = new Argument<string>("terminal-id");
            var revoke = new Command("revoke", "Revoke every active credential of a terminal") { revokeId };
            revoke.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var count = await c.Credentials.RevokeAsync(CredentialRole.Terminal, parse.GetValue(revokeId)!, ct).ConfigureAwait(false);
                await (count == 0 ? error : output).WriteLineAsync($"{count} credential(s) of terminal {parse.GetValue(revokeId)} revoked").ConfigureAwait(false);
                return count == 0 ? 1 : 0;
            }).ConfigureAwait(false));

            var updateId = new Argument<string>("terminal-id");
            var updateChain = new Option<string?>("--chain-id") { Description = "Put the terminal's store in this chain (if it is in none yet)" };
            var updateScope = new Option<string?>("--scope") { Description = "'store' or 'chain'" };
            updateScope.AcceptOnlyFromAmong("store", "chain");
            var update = new Command("update", "Change what a terminal's active credential lets it act for (same token)") { updateId, updateScope, updateChain };
            update.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var terminal = parse.GetValue(updateId)!;
                RequestValidator.Id("terminal-id", terminal);
                var chain = parse.GetValue(updateChain);
                if (chain is not null)
                {
                    RequestValidator.Id("--chain-id", chain);
                }

                var newScope = ScopeOf(parse.GetValue(updateScope));
                if (newScope is null && chain is null)
                {
                    await error.WriteLineAsync("nothing to change: give --scope and/or --chain-id").ConfigureAwait(false);
                    return 2;
                }

                var record = await c.Credentials.UpdateTerminalAsync(terminal, newScope, chain, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"terminal {record.TerminalId} (store {record.StoreId}{ChainText(record)}) scope {ScopeText(record.Scope)}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            return new Command("terminal", "Terminal credentials (per-terminal bearer tokens bound to a store, acting for it or its chain)") { create, list, update, revoke };
        }

        private static CredentialScope? ScopeOf(string? text) => text switch
        {
            null => null,
            "chain" => CredentialScope.Chain,
            _ => CredentialScope.Store,
        };

        private static string ScopeText(CredentialScope scope) => scope == CredentialScope.Chain ? "chain" : "store";

        private static string ChainText(CredentialRecord record) => record.ChainId is { } chain ? $", chain {chain}" : string.Empty;

        private Command Admin()
        {
            var description = new Option<string>("--description") { Description = "Who holds it", DefaultValueFactory = _ => string.Empty };
            var create = new Command("create", "Create an admin credential; prints the token once") { description };
            create.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var (record, token) = await c.Credentials.CreateAsync(CredentialRole.Admin, null, null, parse.GetValue(description)!, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"admin credential {record.CredentialId}").ConfigureAwait(false);
                await output.WriteLineAsync($"token: {token}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            var list = new Command("list", "List admin credentials");
            list.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                foreach (var a in await c.Credentials.ListAsync(CredentialRole.Admin, ct).ConfigureAwait(false))
                {
                    await output.WriteLineAsync($"{a.CredentialId}\tcreated={a.CreatedAt:u}\t{(a.RevokedAt is null ? "active" : "revoked")}\t{a.Description}").ConfigureAwait(false);
                }

                return 0;
            }).ConfigureAwait(false));
            var id = new Argument<string>("credential-id");
            var revoke = new Command("revoke", "Revoke an admin credential") { id };
            revoke.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var count = await c.Credentials.RevokeAsync(CredentialRole.Admin, parse.GetValue(id)!, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"{count} admin credential(s) revoked").ConfigureAwait(false);
                return count == 0 ? 1 : 0;
            }).ConfigureAwait(false));
            return new Command("admin", "Admin credentials (for the admin gRPC service)") { create, list, revoke };
        }

        private Command Card()
        {
            var program = new Option<string>("--program") { Description = "Program id, e.g. CSM", Required = true };
            var name = new Option<string>("--name") { Description = "Full name", Required = true };
            var phone = new Option<string>("--phone") { Description = "Phone in E.164, e.g. +79991234567", Required = true };
            var birthday = new Option<DateOnly?>("--birthday") { Description = "yyyy-mm-dd" };
            var cardNumber = new Option<string?>("--card") { Description = "Card number to issue (default: assigned)" };
            var confirmed = new Option<bool>("--phone-confirmed") { Description = "The phone was confirmed (STM-R1)" };
            var register = new Command("register", "Register a member and issue a card") { program, name, phone, birthday, cardNumber, confirmed };
            register.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var request = new RegisterMemberRequest
                {
                    RequestId = "cli-" + Guid.NewGuid().ToString("N"),
                    ProgramId = parse.GetValue(program)!,
                    FullName = parse.GetValue(name)!,
                    Phone = parse.GetValue(phone)!,
                    PhoneConfirmed = parse.GetValue(confirmed),
                    ConsentPersonalData = true,
                    CardNumber = parse.GetValue(cardNumber) ?? string.Empty,
                };
                if (parse.GetValue(birthday) is { } b)
                {
                    request.Birthday = new Date { Year = b.Year, Month = b.Month, Day = b.Day };
                }

                var response = await c.Accounts.RegisterAsync(request, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"member {response.Member.MemberId} account {response.Account.AccountId} card {response.Card.CardNumber}; balance {response.Account.Balance.Balance} (usable {response.Account.Balance.Usable}), tier {response.Account.Balance.Tier}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));

            var number = new Argument<string>("card-number");
            var showAsOf = new Option<DateTimeOffset?>("--as-of") { Description = "Figures as they will stand at this time if nothing else happens, e.g. what expires by then (default: now)" };
            var show = new Command("show", "Balance, tier and state by card number (CSM-R10)") { number, showAsOf };
            show.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var request = new GetCardSnapshotRequest { CardNumber = parse.GetValue(number)! };
                if (parse.GetValue(showAsOf) is { } at)
                {
                    request.AsOf = Timestamp.FromDateTimeOffset(at);
                }

                var s = await c.Accounts.SnapshotAsync(request, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"card {CardNumberFormat.Mask(s.CardNumber)} {s.State} program {s.ProgramId} v{s.ProgramVersion}: balance {s.Balance.Balance}, usable {s.Balance.Usable}, pending {s.Balance.Pending}, tier {s.Balance.Tier}, offline allowance {s.OfflineRedemptionAllowance}").ConfigureAwait(false);
                if (request.AsOf is not null)
                {
                    await output.WriteLineAsync($"as of {s.AsOf.ToDateTimeOffset():u}").ConfigureAwait(false);
                }

                return 0;
            }).ConfigureAwait(false));

            var pageSize = new Option<int>("--page-size") { Description = "Entries per page, 1..200", DefaultValueFactory = _ => CardHistory.DefaultPageSize };
            var pageToken = new Option<string?>("--page-token") { Description = "The next-page token printed by the previous page" };
            var history = new Command("history", "A card's history from the ledger, newest first, one page at a time") { number, pageSize, pageToken };
            history.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var page = await c.Accounts.HistoryAsync(null, new ListCardHistoryRequest { CardNumber = parse.GetValue(number)!, PageSize = parse.GetValue(pageSize), PageToken = parse.GetValue(pageToken) ?? string.Empty }, ct).ConfigureAwait(false);
                foreach (var e in page.Entries)
                {
                    var r = e.Result;
                    await output.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, "{0:u} {1,-8} {2,-10} {3} earned {4} spent {5} returned {6} taken back {7} balance {8} ({9})", e.BusinessTime.ToDateTimeOffset(), e.Kind, r.Outcome.ToString().Replace("TransactionOutcome", string.Empty, StringComparison.Ordinal), e.TransactionId, r.PointsEarned, r.PointsSpent, r.PointsReturned, r.PointsTakenBack, r.Balance?.Balance ?? 0, e.TerminalId)).ConfigureAwait(false);
                }

                await output.WriteLineAsync(page.NextPageToken.Length > 0 ? "next page: --page-token " + page.NextPageToken : "end of history").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));

            var reason = new Option<string>("--reason") { Description = "Why (recorded)", Required = true };
            var block = new Command("block", "Block a card (INV-KZ-R11)") { number, reason };
            block.SetAction(async (parse, ct) => await CardResult(parse, ct, c => c.Accounts.BlockAsync(new BlockCardRequest { CardNumber = parse.GetValue(number)!, Reason = parse.GetValue(reason)! }, ct)).ConfigureAwait(false));
            var unblock = new Command("unblock", "Unblock a card") { number };
            unblock.SetAction(async (parse, ct) => await CardResult(parse, ct, c => c.Accounts.UnblockAsync(new UnblockCardRequest { CardNumber = parse.GetValue(number)! }, ct)).ConfigureAwait(false));
            var annul = new Command("annul", "Annul a card: all points cancelled (CSM-R12)") { number, reason };
            annul.SetAction(async (parse, ct) => await CardResult(parse, ct, c => c.Accounts.AnnulAsync(new AnnulCardRequest { CardNumber = parse.GetValue(number)!, Reason = parse.GetValue(reason)! }, ct)).ConfigureAwait(false));
            var until = new Option<DateTimeOffset?>("--until") { Description = "New end date (default: one more validity period, CSM-R13)" };
            var extend = new Command("extend", "Extend a card's end date; the balance is kept") { number, until };
            extend.SetAction(async (parse, ct) => await CardResult(parse, ct, c => c.Accounts.ExtendAsync(new ExtendCardRequest { CardNumber = parse.GetValue(number)!, ValidUntil = parse.GetValue(until) is { } u ? Timestamp.FromDateTimeOffset(u) : null }, ct)).ConfigureAwait(false));
            var newCard = new Option<string?>("--new") { Description = "The new card's number (default: assigned)" };
            var replaceReason = new Option<string>("--reason") { Description = "lost, damaged, tier_change, ...", DefaultValueFactory = _ => "lost" };
            var replace = new Command("replace", "Replace a card: old card blocked, all points moved (CSM-R11)") { number, newCard, replaceReason };
            replace.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var r = await c.Accounts.ReplaceCardAsync(new ReplaceCardRequest { RequestId = "cli-" + Guid.NewGuid().ToString("N"), OldCardNumber = parse.GetValue(number)!, NewCardNumber = parse.GetValue(newCard) ?? string.Empty, Reason = parse.GetValue(replaceReason)! }, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"card {CardNumberFormat.Mask(r.OldCard.CardNumber)} replaced by {r.NewCard.CardNumber}; {r.PointsMoved} points moved").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            var modeName = new Argument<string>("mode") { Description = "bonus (collects points) or discount-card (a discount instead of points), INV-HP-R1" };
            modeName.AcceptOnlyFromAmong("bonus", "discount-card");
            var written = new Option<bool>("--written-request") { Description = "The member's written request was received at an office (INV-HP-R1 requires it)" };
            var mode = new Command("mode", "Switch a card between bonus points and a discount card (INV-HP-R1)") { number, modeName, written };
            mode.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var s = await c.Accounts.SetModeAsync(new SetCardModeRequest
                {
                    CardNumber = parse.GetValue(number)!,
                    Mode = parse.GetValue(modeName) == "bonus" ? AccountMode.Bonus : AccountMode.DiscountCard,
                    WrittenRequest = parse.GetValue(written),
                }, ct).ConfigureAwait(false);
                var level = s.Mode == AccountMode.DiscountCard ? (s.DiscountLevel.Length > 0 ? $", level {s.DiscountLevel} ({s.DiscountPercent}%)" : ", no discount level reached yet") : string.Empty;
                await output.WriteLineAsync($"card {CardNumberFormat.Mask(s.CardNumber)} mode {(s.Mode == AccountMode.DiscountCard ? "discount-card" : "bonus")}{level}; balance {s.Balance.Balance}{(s.Mode == AccountMode.DiscountCard ? " (kept; neither earned nor spent in discount-card mode)" : string.Empty)}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            return new Command("card", "Members and cards") { register, show, history, block, unblock, annul, extend, replace, mode };
        }

        private Command ProgramCommand()
        {
            var list = new Command("list", "List loaded program versions");
            list.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                foreach (var p in await c.Programs.ListAllAsync(ct).ConfigureAwait(false))
                {
                    await output.WriteLineAsync($"{p.ProgramId}\tv{p.Version}\t{(p.Active ? "active" : "inactive")}\t{p.Currency}\tloaded {p.LoadedAt:u}\t{p.Name}").ConfigureAwait(false);
                }

                return 0;
            }).ConfigureAwait(false));
            var file = new Argument<FileInfo>("file");
            var activate = new Option<bool>("--activate") { Description = "Make it the active version at once" };
            var load = new Command("load", "Validate and load a program definition file") { file, activate };
            load.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var path = parse.GetValue(file)!.FullName;
                var (record, created) = await c.Programs.LoadAsync(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false), path, parse.GetValue(activate), ct).ConfigureAwait(false);
                await output.WriteLineAsync($"{record.ProgramId} v{record.Version} {(created ? "loaded" : "already loaded")}, {(record.Active ? "active" : "inactive")}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            var id = new Argument<string>("program-id");
            var version = new Argument<string>("version");
            var activateCommand = new Command("activate", "Make a loaded version the active one (terminals see it in the changes feed)") { id, version };
            activateCommand.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var record = await c.Programs.ActivateAsync(parse.GetValue(id)!, parse.GetValue(version)!, ct).ConfigureAwait(false);
                await output.WriteLineAsync($"{record.ProgramId} v{record.Version} active since {record.ActivatedAt:u}").ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            return new Command("program", "Program definitions") { list, load, activateCommand };
        }

        private Command RunJob()
        {
            var name = new Argument<string>("name") { Description = "monthly-accrual, tier-changes, birthday, inactivity, expiry, card-end or all" };
            var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "Run as of this time, e.g. 2026-03-01T00:00:00Z (default: now)" };
            var command = new Command("run-job", "Run a job as of a time (each day is done once; missed days are caught up)") { name, asOf };
            command.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var at = parse.GetValue(asOf) ?? TimeProvider.System.GetUtcNow();
                foreach (var run in await c.Jobs.RunAsync(parse.GetValue(name)!, at, ct).ConfigureAwait(false))
                {
                    await output.WriteLineAsync($"{run.Job}\t{run.Period}\t{(run.AlreadyDone ? "already done" : "done")}\taccounts={run.AccountsAffected}\tpoints={run.PointsDelta}").ConfigureAwait(false);
                }

                return 0;
            }).ConfigureAwait(false));
            return command;
        }

        private Command Liability()
        {
            var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "As of this time (default: now)" };
            var command = new Command("liability-report", "Points outstanding by program and tier") { asOf };
            command.SetAction(async (parse, ct) => await WithComponents(parse, ct, async c =>
            {
                var report = await c.Reports.LiabilityAsync(parse.GetValue(asOf) ?? TimeProvider.System.GetUtcNow(), ct).ConfigureAwait(false);
                await output.WriteLineAsync($"Points liability as of {report.AsOf.ToDateTimeOffset():u}").ConfigureAwait(false);
                await output.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,-12} {2,9} {3,14} {4,14} {5,14}", "program", "tier", "accounts", "outstanding", "usable", "pending")).ConfigureAwait(false);
                foreach (var row in report.Rows)
                {
                    await output.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,-12} {2,9} {3,14:N0} {4,14:N0} {5,14:N0}", row.ProgramId, row.Tier, row.Accounts, row.PointsOutstanding, row.PointsUsable, row.PointsPending)).ConfigureAwait(false);
                }

                await output.WriteLineAsync(string.Format(CultureInfo.InvariantCulture, "{0,-23} {1,9} {2,14:N0}", "total", report.Rows.Sum(r => r.Accounts), report.Rows.Sum(r => r.PointsOutstanding))).ConfigureAwait(false);
                return 0;
            }).ConfigureAwait(false));
            return command;
        }

        private Task<int> CardResult(ParseResult parse, CancellationToken ct, Func<CentralComponents, Task<Contracts.Loyalty.V1.Card>> action) =>
            WithComponents(parse, ct, async c =>
            {
                var card = await action(c).ConfigureAwait(false);
                await output.WriteLineAsync($"card {CardNumberFormat.Mask(card.CardNumber)}: {card.State}{(card.ValidUntil is null ? string.Empty : ", valid until " + card.ValidUntil.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture))}").ConfigureAwait(false);
                return 0;
            });

        private CentralOptions Options(ParseResult parse)
        {
            var (_, options) = Configure(parse);
            options.Validate();
            return options;
        }

        /// <summary>
        /// The configuration (the --config file, POSAGENT_CENTRAL_* variables, the flags) and the
        /// options bound from it; a missing or malformed file or a value of the wrong type is a bad argument.
        /// </summary>
        private (Microsoft.Extensions.Configuration.IConfigurationRoot Configuration, CentralOptions Options) Configure(ParseResult parse)
        {
            try
            {
                var configuration = ProgramConfiguration.Build(CentralConfiguration.Spec(parse.GetValue(_config), args));
                return (configuration, Microsoft.Extensions.Configuration.ConfigurationBinder.Get<CentralOptions>(configuration) ?? new CentralOptions());
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or FormatException or InvalidOperationException)
            {
                throw new ArgumentException(ex.InnerException is { } inner ? ex.Message + " " + inner.Message : ex.Message, ex);
            }
        }

        private static string Describe(CentralOptions options) =>
            LoyaltyStores.IsPostgres(options.ResolvedStore) ? "PostgreSQL" : "SQLite " + options.ResolvedStore;

        private Task<int> WithComponents(ParseResult parse, CancellationToken ct, Func<CentralComponents, Task<int>> action) =>
            Guarded(async () =>
            {
                await using var components = await CentralComponents.OpenAsync(Options(parse), TimeProvider.System, NullLoggerFactory.Instance, ct).ConfigureAwait(false);
                return await action(components).ConfigureAwait(false);
            });

        /// <summary>Operator errors as one clear line and exit code 1 (2 for bad arguments), not a stack trace.</summary>
        private async Task<int> Guarded(Func<Task<int>> action)
        {
            try
            {
                return await action().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or PosAgent.Sales.SaleValidationException)
            {
                await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 2;
            }
            catch (Exception ex) when (ex is NotFoundException or PreconditionException or ProgramFileException or ProgramVersionConflictException
                or LoyaltyRuleException or InvalidOperationException or KeyNotFoundException or IOException or System.Data.Common.DbException)
            {
                await error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                return 1;
            }
        }
    }
}

/// <summary>Where the central service's settings come from, and the names its flags and variables have always had.</summary>
internal static class CentralConfiguration
{
    public const string EnvironmentPrefix = "POSAGENT_CENTRAL_";

    public static ProgramConfigurationSpec Spec(string? jsonFile, IReadOnlyList<string> args) => new()
    {
        JsonFile = jsonFile,
        EnvironmentPrefix = EnvironmentPrefix,
        LegacyEnvironment = new Dictionary<string, string>
        {
            ["POSAGENT_CENTRAL_STATE_DIR"] = nameof(CentralOptions.StateDirectory),
            ["POSAGENT_CENTRAL_PROGRAMS"] = nameof(CentralOptions.ProgramsDirectory),
        },
        Args = args,
        SwitchMappings = new Dictionary<string, string>
        {
            ["--state-dir"] = nameof(CentralOptions.StateDirectory),
            ["--store"] = nameof(CentralOptions.Store),
            ["--programs"] = nameof(CentralOptions.ProgramsDirectory),
            ["--tls-cert"] = nameof(CentralOptions.TlsCertificatePath),
            ["--tls-key"] = nameof(CentralOptions.TlsKeyPath),
            ["--job-interval"] = nameof(CentralOptions.JobInterval),
            ["--max-batch"] = nameof(CentralOptions.MaxBatchSize),
            ["--rate-limit"] = nameof(CentralOptions.RateLimitPerSecond),
            ["--rate-burst"] = nameof(CentralOptions.RateLimitBurst),
            ["--unauthenticated-burst"] = nameof(CentralOptions.UnauthenticatedBurst),
            ["--redemption-hold-ttl"] = nameof(CentralOptions.RedemptionHoldTtl),
            ["--allow-insecure"] = nameof(CentralOptions.AllowInsecureNonLoopback),
            ["--no-metrics"] = nameof(CentralOptions.Telemetry) + ":" + nameof(CentralTelemetryOptions.PrometheusEnabled),
            ["--otlp-endpoint"] = nameof(CentralOptions.Telemetry) + ":" + nameof(CentralTelemetryOptions.OtlpEndpoint),
        },
        BooleanSwitches = ["--allow-insecure"],
        NegatedSwitches = ["--no-metrics"],
        ListSwitches = new Dictionary<string, string> { ["--url"] = nameof(CentralOptions.Urls) },
        SettingNames = typeof(CentralOptions).GetProperties().Where(p => p.CanWrite || p.Name == nameof(CentralOptions.Urls)).Select(p => p.Name).ToArray(),
    };
}
