namespace PosAgent.Rules;

public enum PaymentType
{
    Cash,
    BankCard,
    /// <summary>DMS/OMS insurance (CSM-R6).</summary>
    Insurance,
    /// <summary>Paid by a legal entity, e.g. an employer's medical check (CSM-R6).</summary>
    LegalEntity,
    Other,
}

/// <summary>One basket line. <see cref="AmountMinor"/> is what the line costs after any discount.</summary>
public sealed record SaleLine
{
    public required string Category { get; init; }

    public required long AmountMinor { get; init; }

    public string? Sku { get; init; }

    /// <summary>Sold at a discount or marked down.</summary>
    public bool Discounted { get; init; }

    /// <summary>Part of a promotion.</summary>
    public bool Promotional { get; init; }

    /// <summary>This item may not be paid with points (STM-R6).</summary>
    public bool NotRedeemable { get; init; }
}

public sealed record Payment(PaymentType Type, long AmountMinor);

/// <summary>
/// A sale to quote or apply. The money part (total minus points) is split by <see cref="Payments"/>;
/// when none are given the money part counts as paid by bank card.
/// </summary>
public sealed record SaleRequest
{
    /// <summary>Globally unique; lot ids derive from it.</summary>
    public required string TransactionId { get; init; }

    public required DateTimeOffset At { get; init; }

    public required IReadOnlyList<SaleLine> Lines { get; init; }

    public IReadOnlyList<Payment> Payments { get; set; } = [];

    /// <summary>Points the member wants to spend (0: none).</summary>
    public long PointsToSpend { get; init; }

    /// <summary>The physical card or its number was presented (CSM-R5).</summary>
    public bool CardPresented { get; set; } = true;

    /// <summary>The person presenting the card is its owner and the service recipient (INV-KZ-R9, CSM-R9).</summary>
    public bool PresentedByOwner { get; set; } = true;

    public string? PromoCode { get; init; }

    /// <summary>A discount card is applied to the same order (INV-HP-R1).</summary>
    public bool DiscountCardPresented { get; init; }

    /// <summary>When the goods were received (STM-R3); null: at the sale.</summary>
    public DateTimeOffset? GoodsReceivedAt { get; init; }

    /// <summary>Country of the office (INV-KZ-R12); null: the program's country.</summary>
    public string? Country { get; init; }
}

public sealed record RefundLine(int LineIndex, long AmountMinor);

/// <summary>A full refund (no <see cref="Lines"/>) or a partial one, of a sale applied earlier.</summary>
public sealed record RefundRequest
{
    public required string TransactionId { get; init; }

    public required string OriginalTransactionId { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Empty: refund everything not yet refunded.</summary>
    public IReadOnlyList<RefundLine> Lines { get; set; } = [];
}

public sealed record EnrollRequest
{
    public required string AccountId { get; init; }

    public required string CardNumber { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Transaction id for the enrolment (welcome lots derive their ids from it); default "enroll:{AccountId}".</summary>
    public string? TransactionId { get; init; }

    public DateOnly? BirthDate { get; init; }

    public bool RegistrationFormComplete { get; set; } = true;

    public bool PhoneConfirmed { get; set; } = true;

    /// <summary>Payment made with the card issue (decides the card fee, CSM-R1) or services received (ATI-R1).</summary>
    public long QualifyingPaymentMinor { get; init; }
}

/// <summary>Grant the points of a program event (welcome, birthday, useful action, referral, gift, promotion).</summary>
public sealed record GrantRequest
{
    public required string TransactionId { get; init; }

    /// <summary>An event id of the program file, e.g. "birthday", "email-bill", "referral".</summary>
    public required string EventId { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>For events with a range (RT surveys 100-1,000).</summary>
    public long? Points { get; init; }
}

public sealed record RewardRequest
{
    public required string TransactionId { get; init; }

    public required string ItemId { get; init; }

    public required DateTimeOffset At { get; init; }

    public string? Region { get; init; }

    /// <summary>The customer has an unpaid bill (RT-R6).</summary>
    public bool CustomerOwesMoney { get; init; }
}

/// <summary>
/// Points promised but not yet in the ledger: an online authorization the central service holds,
/// or a sale a terminal committed and has not synced. It counts as a redeeming order at
/// <see cref="At"/> spending <see cref="Points"/> (see <see cref="LoyaltyEngine.WithPromised"/>).
/// </summary>
public sealed record PromisedSpend(string Id, DateTimeOffset At, long Points);
