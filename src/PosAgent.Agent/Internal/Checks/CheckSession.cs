using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Checks;

/// <summary>An open check: its lines and card, until it is committed or cancelled.</summary>
internal sealed class CheckSession
{
    private int _nextLine;

    public CheckSession(Check check, int linesIssued = 0)
    {
        Check = check;
        _nextLine = linesIssued;
        LastTouched = check.OpenedAt?.ToDateTimeOffset() ?? DateTimeOffset.MinValue;
    }

    /// <summary>When the check was opened or last edited: abandoned checks are cancelled by this.</summary>
    public DateTimeOffset LastTouched { get; set; }

    /// <summary>Line ids issued so far (the next one is this plus one), kept with the open check.</summary>
    public int LinesIssued => _nextLine;

    /// <summary>Guards every field; a commit holds <see cref="Committing"/> while it waits for the central service.</summary>
    public Lock Gate { get; } = new();

    public Check Check { get; }

    /// <summary>The full card number (the check itself only carries the masked one).</summary>
    public string? CardNumber { get; set; }

    public CardSnapshot? Card { get; set; }

    /// <summary>The snapshot came from the central service when the card was attached (not from the cache).</summary>
    public bool CardFromCentral { get; set; }

    public bool Committing { get; set; }

    /// <summary>Bumped by every change of lines or card, so a quote's estimate can be reused by the commit that follows it.</summary>
    public int Version { get; private set; }

    /// <summary>
    /// The last estimate, valid while <see cref="Version"/>, the payment, the promo code and the
    /// terminal's unsynced spends (their version) are unchanged.
    /// </summary>
    public (int Version, PaymentSplit Payment, string PromoCode, bool DiscountCard, long Unsynced, object Estimate)? LastEstimate { get; set; }

    public void Changed()
    {
        Version++;
        LastEstimate = null;
    }

    public string NextLineId() => (++_nextLine).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
