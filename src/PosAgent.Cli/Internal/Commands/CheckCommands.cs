using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using PosAgent.Contracts.PosAgent.V1;
using Spectre.Console;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>open, add-line, remove-line, attach, detach, show, quote, commit, cancel, refund, receipt.</summary>
internal static class CheckCommands
{
    public static IEnumerable<Command> Create(GlobalOptions options, CliConsole console)
    {
        yield return Open(options, console);
        yield return AddLine(options, console);
        yield return SimpleCheckCall(options, console, "remove-line", "Removes a line from an open check.", new Argument<string>("line-id") { Description = "The line (from 'show')." },
            (checkId, line) => (AgentApi.RemoveLine, new RemoveLineRequest { CheckId = checkId, LineId = line! }));
        yield return SimpleCheckCall(options, console, "attach", "Attaches a loyalty card to an open check by its number (as printed or scanned).", new Argument<string>("card-number") { Description = "The card number." },
            (checkId, card) => (AgentApi.AttachCard, new AttachCardRequest { CheckId = checkId, CardNumber = card! }));
        yield return SimpleCheckCall(options, console, "detach", "Removes the card from an open check.", null,
            (checkId, _) => (AgentApi.DetachCard, new DetachCardRequest { CheckId = checkId }));
        yield return SimpleCheckCall(options, console, "show", "Shows a check: state, lines, card, total.", null,
            (checkId, _) => (AgentApi.GetCheck, new GetCheckRequest { CheckId = checkId }));
        yield return SimpleCheckCall(options, console, "cancel", "Cancels an open check (nothing is recorded).", null,
            (checkId, _) => (AgentApi.CancelCheck, new CancelCheckRequest { CheckId = checkId }));
        yield return Quote(options, console);
        yield return Commit(options, console);
        yield return Refund(options, console);
        yield return Receipt(options, console);
    }

    private static Argument<string> CheckIdArgument() => new("check-id") { Description = "The check (from 'open')." };

    private static Command Open(GlobalOptions options, CliConsole console)
    {
        var reference = new Option<string?>("--ref") { Description = "The POS's own document reference.", HelpName = "text" };
        var cashier = new Option<string?>("--cashier") { Description = "Cashier id, recorded with the operation.", HelpName = "id" };
        var lines = new Option<string[]>("--line")
        {
            Description = "A line to add: category:price[:qty[:name[:sku]]], price in minor units (repeatable), e.g. lab_diagnostics:450000:1:CBC.",
            HelpName = "spec",
            AllowMultipleArgumentsPerToken = false,
        };
        var card = new Option<string?>("--card") { Description = "A loyalty card number to attach.", HelpName = "number" };
        var command = new Command("open", "Opens a check; optionally adds lines and attaches a card. Prints the check (its id first).") { reference, cashier, lines, card };
        lines.Validators.Add(result =>
        {
            foreach (var spec in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (LineSpec.TryParse(spec, out _, out var problem) is false)
                {
                    result.AddError($"--line '{spec}': {problem}");
                }
            }
        });
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var check = await agent.CallAsync(AgentApi.OpenCheck, new OpenCheckRequest
            {
                ClientReference = context.Parse.GetValue(reference) ?? string.Empty,
                CashierId = context.Parse.GetValue(cashier) ?? string.Empty,
            }, ct).ConfigureAwait(false);
            foreach (var spec in context.Parse.GetValue(lines) ?? [])
            {
                LineSpec.TryParse(spec, out var request, out _);
                request!.CheckId = check.CheckId;
                check = await agent.CallAsync(AgentApi.AddLine, request, ct).ConfigureAwait(false);
            }

            if (context.Parse.GetValue(card) is { Length: > 0 } number)
            {
                check = await agent.CallAsync(AgentApi.AttachCard, new AttachCardRequest { CheckId = check.CheckId, CardNumber = number }, ct).ConfigureAwait(false);
            }

            Write(context, check);
            return 0;
        });
        return command;
    }

    private static Command AddLine(GlobalOptions options, CliConsole console)
    {
        var checkId = CheckIdArgument();
        var category = new Option<string>("--category") { Description = "Category as named in the program file, e.g. lab_diagnostics, goods, services.", Required = true, HelpName = "name" };
        var price = new Option<long>("--price") { Description = "Unit price in minor units, after any discount (12000 = 120.00).", Required = true, HelpName = "minor" };
        var quantity = new Option<int>("--qty") { Description = "Quantity. Default 1.", DefaultValueFactory = _ => 1, HelpName = "n" };
        var name = new Option<string?>("--name") { Description = "Name printed on the receipt. Default: the category.", HelpName = "text" };
        var sku = new Option<string?>("--sku") { Description = "The POS's item code.", HelpName = "code" };
        var discounted = new Option<bool>("--discounted") { Description = "The line was sold at a discount." };
        var promotional = new Option<bool>("--promotional") { Description = "The line is part of a promotion." };
        var command = new Command("add-line", "Adds a line to an open check.") { checkId, category, price, quantity, name, sku, discounted, promotional };
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var categoryValue = context.Parse.GetValue(category)!;
            var check = await agent.CallAsync(AgentApi.AddLine, new AddLineRequest
            {
                CheckId = context.Parse.GetValue(checkId)!,
                Category = categoryValue,
                UnitPriceMinor = context.Parse.GetValue(price),
                Quantity = context.Parse.GetValue(quantity),
                Name = context.Parse.GetValue(name) ?? categoryValue,
                Sku = context.Parse.GetValue(sku) ?? string.Empty,
                Discounted = context.Parse.GetValue(discounted),
                Promotional = context.Parse.GetValue(promotional),
            }, ct).ConfigureAwait(false);
            Write(context, check);
            return 0;
        });
        return command;
    }

    private static Command SimpleCheckCall<TRequest>(GlobalOptions options, CliConsole console, string name, string description, Argument<string>? extra,
        Func<string, string?, (Method<TRequest, Check> Method, TRequest Request)> build)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>, new()
    {
        var checkId = CheckIdArgument();
        var command = new Command(name, description) { checkId };
        if (extra is not null)
        {
            command.Arguments.Add(extra);
        }

        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var (method, request) = build(context.Parse.GetValue(checkId)!, extra is null ? null : context.Parse.GetValue(extra));
            Write(context, await agent.CallAsync(method, request, ct).ConfigureAwait(false));
            return 0;
        });
        return command;
    }

    private static Command Quote(GlobalOptions options, CliConsole console)
    {
        var checkId = CheckIdArgument();
        var payment = new PaymentOptions();
        var command = new Command("quote", "Points to earn (with the rules that give them), the most points spendable and which limit binds. " +
            "Without payment options the whole total is assumed paid in cash.") { checkId };
        payment.AddTo(command);
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var id = context.Parse.GetValue(checkId)!;
            var request = new QuoteRequest { CheckId = id, PromoCode = context.Parse.GetValue(payment.Promo) ?? string.Empty, DiscountCard = context.Parse.GetValue(payment.DiscountCard) };
            if (payment.AnyGiven(context))
            {
                request.Payment = await payment.BuildAsync(context, agent, id, ct).ConfigureAwait(false);
            }

            var quote = await agent.CallAsync(AgentApi.Quote, request, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(quote);
            }
            else
            {
                var check = await agent.CallAsync(AgentApi.GetCheck, new GetCheckRequest { CheckId = id }, ct).ConfigureAwait(false);
                Render.Quote(context.Out, quote, check.Currency);
            }

            return 0;
        });
        return command;
    }

    private static Command Commit(GlobalOptions options, CliConsole console)
    {
        var checkId = CheckIdArgument();
        var payment = new PaymentOptions();
        var print = new Option<bool>("--print") { Description = "Print the receipt on the lane printer at once." };
        var command = new Command("commit", "Pays and commits the check (durable once this returns). What the given parts leave of the total is paid in cash.") { checkId, print };
        payment.AddTo(command);
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var id = context.Parse.GetValue(checkId)!;
            var response = await agent.CallAsync(AgentApi.Commit, new CommitRequest
            {
                CheckId = id,
                Payment = await payment.BuildAsync(context, agent, id, ct).ConfigureAwait(false),
                PromoCode = context.Parse.GetValue(payment.Promo) ?? string.Empty,
                DiscountCard = context.Parse.GetValue(payment.DiscountCard),
                PrintReceipt = context.Parse.GetValue(print),
            }, ct).ConfigureAwait(false);
            context.Write(response, Render.Commit);

            return 0;
        });
        return command;
    }

    private static Command Refund(GlobalOptions options, CliConsole console)
    {
        var checkId = new Argument<string?>("check-id") { Description = "The committed check (or give --operation).", Arity = ArgumentArity.ZeroOrOne };
        var operation = new Option<string?>("--operation") { Description = "The sale's operation id, instead of the check id.", HelpName = "id" };
        var lines = new Option<string[]>("--line") { Description = "A line to refund: line-id[:qty] (repeatable). Default: the whole sale; no qty: all of the line not yet refunded.", HelpName = "spec" };
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the refund).", HelpName = "text" };
        var print = new Option<bool>("--print") { Description = "Print the refund receipt at once." };
        var command = new Command("refund", "Refunds a committed sale, whole or by lines.") { checkId, operation, lines, reason, print };
        command.Validators.Add(result =>
        {
            var hasCheck = result.GetValue(checkId) is { Length: > 0 };
            var hasOperation = result.GetValue(operation) is { Length: > 0 };
            if (hasCheck == hasOperation)
            {
                result.AddError("Give the check id or --operation ID (one of them).");
            }
        });
        lines.Validators.Add(result =>
        {
            foreach (var spec in result.GetValueOrDefault<string[]>() ?? [])
            {
                var parts = spec.Split(':');
                if (parts.Length > 2 || parts[0].Length == 0 || (parts.Length == 2 && !(int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var q) && q >= 1)))
                {
                    result.AddError($"--line '{spec}': expected line-id or line-id:qty with qty 1 or more.");
                }
            }
        });
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var request = new RefundRequest
            {
                CheckId = context.Parse.GetValue(checkId) ?? string.Empty,
                OperationId = context.Parse.GetValue(operation) ?? string.Empty,
                Reason = context.Parse.GetValue(reason) ?? string.Empty,
                PrintReceipt = context.Parse.GetValue(print),
            };
            var specs = context.Parse.GetValue(lines) ?? [];
            Check? check = null;
            foreach (var spec in specs)
            {
                var parts = spec.Split(':');
                int quantity;
                if (parts.Length == 2)
                {
                    quantity = int.Parse(parts[1], CultureInfo.InvariantCulture);
                }
                else
                {
                    if (request.CheckId.Length == 0)
                    {
                        throw new CliException(CliException.UsageExitCode, "INVALID_ARGUMENT", $"--line '{spec}': give the quantity (line-id:qty) when refunding by --operation.");
                    }

                    check ??= await agent.CallAsync(AgentApi.GetCheck, new GetCheckRequest { CheckId = request.CheckId }, ct).ConfigureAwait(false);
                    var line = check.Lines.FirstOrDefault(l => l.LineId == parts[0])
                        ?? throw new CliException(CliException.UsageExitCode, "INVALID_ARGUMENT", $"--line '{spec}': check {check.CheckId} has no line '{parts[0]}' (see 'posagent show {check.CheckId}').");
                    quantity = line.Quantity - line.RefundedQuantity;
                }

                request.Lines.Add(new RefundLine { LineId = parts[0], Quantity = quantity });
            }

            var response = await agent.CallAsync(AgentApi.Refund, request, ct).ConfigureAwait(false);
            context.Write(response, Render.Refund);

            return 0;
        });
        return command;
    }

    private static Command Receipt(GlobalOptions options, CliConsole console)
    {
        var operation = new Argument<string?>("operation-id") { Description = "The sale or refund to print (or give --check).", Arity = ArgumentArity.ZeroOrOne };
        var checkId = new Option<string?>("--check") { Description = "Print the sale receipt of this check.", HelpName = "id" };
        var reprint = new Option<bool>("--reprint") { Description = "Print a copy (marked COPY) even if it was printed before." };
        var command = new Command("receipt", "Prints (or reprints) a receipt on the lane printer and shows its text.") { operation, checkId, reprint };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(operation) is { Length: > 0 }) == (result.GetValue(checkId) is { Length: > 0 }))
            {
                result.AddError("Give the operation id or --check ID (one of them).");
            }
        });
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var response = await agent.CallAsync(AgentApi.PrintReceipt, new PrintReceiptRequest
            {
                OperationId = context.Parse.GetValue(operation) ?? string.Empty,
                CheckId = context.Parse.GetValue(checkId) ?? string.Empty,
                Reprint = context.Parse.GetValue(reprint),
            }, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(response);
            }
            else
            {
                context.Out.WriteLine($"print job {response.JobId}");
                context.Console.Output.WriteLine(response.Text);
            }

            return 0;
        });
        return command;
    }

    private static void Write(CommandContext context, Check check)
    {
        context.Write(check, Render.Check);
    }
}

/// <summary>The --line shorthand of 'open': category:price[:qty[:name[:sku]]].</summary>
internal static class LineSpec
{
    public static bool TryParse(string spec, out AddLineRequest? request, out string problem)
    {
        request = null;
        var parts = spec.Split(':');
        if (parts.Length < 2 || parts.Length > 5 || parts[0].Length == 0)
        {
            problem = "expected category:price[:qty[:name[:sku]]], e.g. lab_diagnostics:450000:1:CBC";
            return false;
        }

        if (!long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var price))
        {
            problem = $"price '{parts[1]}' is not a whole number of minor units (12000 = 120.00)";
            return false;
        }

        var quantity = 1;
        if (parts.Length > 2 && !int.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out quantity))
        {
            problem = $"quantity '{parts[2]}' is not a whole number";
            return false;
        }

        request = new AddLineRequest
        {
            Category = parts[0],
            UnitPriceMinor = price,
            Quantity = quantity,
            Name = parts.Length > 3 && parts[3].Length > 0 ? parts[3] : parts[0],
            Sku = parts.Length > 4 ? parts[4] : string.Empty,
        };
        problem = string.Empty;
        return true;
    }
}
