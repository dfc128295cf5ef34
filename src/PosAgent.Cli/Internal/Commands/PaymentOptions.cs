using System.CommandLine;
using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>
/// The payment split of quote and commit. Whatever the given parts leave of the total is paid in
/// cash unless --cash is given, so `commit CHECK --points 500` is a whole payment.
/// </summary>
internal sealed class PaymentOptions
{
    public Option<string?> Points { get; } = new("--points") { Description = "Points to spend (whole points), or 'max' for the most the quote allows.", HelpName = "n|max" };

    public Option<long?> Cash { get; } = new("--cash") { Description = "Cash, minor units. Default: what the other parts leave of the total.", HelpName = "minor" };

    public Option<long?> BankCard { get; } = new("--bank-card") { Description = "Bank card, minor units.", HelpName = "minor" };

    public Option<long?> LegalEntity { get; } = new("--legal-entity") { Description = "Paid by a legal entity, minor units.", HelpName = "minor" };

    public Option<long?> Insurance { get; } = new("--insurance") { Description = "Paid by insurance, minor units.", HelpName = "minor" };

    public Option<string?> Promo { get; } = new("--promo") { Description = "Promo code on the order.", HelpName = "code" };

    public Option<bool> DiscountCard { get; } = new("--discount-card") { Description = "A discount card is presented (INV-HP-R1: no points on this check)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Points);
        command.Options.Add(Cash);
        command.Options.Add(BankCard);
        command.Options.Add(LegalEntity);
        command.Options.Add(Insurance);
        command.Options.Add(Promo);
        command.Options.Add(DiscountCard);
        Points.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && value != "max" && !(long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                result.AddError($"--points: '{value}' is neither a whole number of points (0 or more) nor 'max'.");
            }
        });
        foreach (var money in new[] { Cash, BankCard, LegalEntity, Insurance })
        {
            money.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<long?>() is < 0)
                {
                    result.AddError($"{result.Option.Name}: must be 0 or more minor units.");
                }
            });
        }
    }

    public bool AnyGiven(CommandContext context) =>
        context.Parse.GetValue(Points) is not null || context.Parse.GetValue(Cash) is not null || context.Parse.GetValue(BankCard) is not null
        || context.Parse.GetValue(LegalEntity) is not null || context.Parse.GetValue(Insurance) is not null;

    /// <summary>The split, completed with cash; asks the agent for the total and points' worth first.</summary>
    public async Task<PaymentSplit> BuildAsync(CommandContext context, AgentConnection agent, string checkId, CancellationToken cancellationToken)
    {
        var baseline = await agent.CallAsync(AgentApi.Quote, new QuoteRequest { CheckId = checkId, PromoCode = context.Parse.GetValue(Promo) ?? string.Empty, DiscountCard = context.Parse.GetValue(DiscountCard) }, cancellationToken).ConfigureAwait(false);
        var pointsText = context.Parse.GetValue(Points);
        var points = pointsText switch
        {
            null => 0,
            "max" => baseline.MaxPointsSpendable,
            _ => long.Parse(pointsText, CultureInfo.InvariantCulture),
        };
        var minorPerPoint = baseline.MinorPerPoint > 0 ? baseline.MinorPerPoint : 100;
        var split = new PaymentSplit
        {
            Points = points,
            BankCardMinor = context.Parse.GetValue(BankCard) ?? 0,
            LegalEntityMinor = context.Parse.GetValue(LegalEntity) ?? 0,
            InsuranceMinor = context.Parse.GetValue(Insurance) ?? 0,
        };
        var others = split.BankCardMinor + split.LegalEntityMinor + split.InsuranceMinor + (points * minorPerPoint);
        var cash = context.Parse.GetValue(Cash);
        // A discount-card account pays the total less its discount (INV-HP-R2).
        var due = baseline.TotalMinor - baseline.DiscountMinor;
        if (cash is null && others > due)
        {
            throw new CliException(CliException.UsageExitCode, "INVALID_ARGUMENT", string.Create(CultureInfo.InvariantCulture,
                $"The payment parts add up to {Fmt.Money(others, string.Empty)} ({points} points at {minorPerPoint} minor units each), more than the check's total {Fmt.Money(due, string.Empty)}{(baseline.DiscountMinor > 0 ? " (after the discount card's discount)" : string.Empty)}."));
        }

        split.CashMinor = cash ?? due - others;
        return split;
    }
}
