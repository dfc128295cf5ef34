namespace PosAgent.Rules;

/// <summary>Machine-readable reasons an operation is refused.</summary>
public enum LoyaltyErrorCode
{
    InvalidRequest,
    InvalidAmount,
    UnknownCategory,
    UnknownTier,
    UnknownEvent,
    UnknownRewardItem,
    TimeWentBackwards,
    DuplicateTransaction,
    WrongProgram,
    InvalidState,
    AccountBlocked,
    AccountAnnulled,
    CardExpired,
    InvalidCardNumber,
    NotAccountOwner,
    BurnLimitExceeded,
    InsufficientPoints,
    CategoryNotRedeemable,
    PromoCodeWithPoints,
    DiscountCardWithPoints,
    DailyRedemptionLimit,
    PaymentMismatch,
    WrongCountry,
    RegistrationIncomplete,
    NotEligibleForMembership,
    EventAlreadyGranted,
    EventNotEligible,
    OriginalSaleNotFound,
    RefundExceedsSale,
    RefundWindowClosed,
    MonthlyRewardLimit,
    RewardAlreadyOrdered,
    CustomerOwesMoney,
    RewardNotCancellable,
    RewardNotInRegion,
    NoCatalog,
    WrongMode,
    WrittenRequestRequired,
}

/// <summary>
/// An operation the program's rules refuse. The account state passed in is never changed;
/// <see cref="Code"/> is for machines, <see cref="Exception.Message"/> for the cashier.
/// </summary>
public sealed class LoyaltyRuleException : Exception
{
    public LoyaltyRuleException(LoyaltyErrorCode code, string message, string? ruleId = null)
        : base(message)
    {
        Code = code;
        RuleId = ruleId;
    }

    public LoyaltyRuleException(LoyaltyErrorCode code, string message, Exception inner)
        : base(message, inner) => Code = code;

    public LoyaltyRuleException()
        : this(LoyaltyErrorCode.InvalidRequest, "The operation was refused.")
    {
    }

    public LoyaltyRuleException(string message)
        : this(LoyaltyErrorCode.InvalidRequest, message)
    {
    }

    public LoyaltyRuleException(string message, Exception innerException)
        : this(LoyaltyErrorCode.InvalidRequest, message, innerException)
    {
    }

    public LoyaltyErrorCode Code { get; }

    /// <summary>The program rule behind the refusal, when there is one (e.g. "INV-HP-R3").</summary>
    public string? RuleId { get; }
}

/// <summary>A program file that cannot be loaded: names the file, the JSON path and the reason.</summary>
public sealed class ProgramFileException : Exception
{
    public ProgramFileException(string file, IReadOnlyList<ProgramFileError> errors)
        : base(Format(file, errors))
    {
        File = file;
        Errors = errors;
    }

    public ProgramFileException()
        : this("(unknown)", [])
    {
    }

    public ProgramFileException(string message)
        : base(message)
    {
        File = "(unknown)";
        Errors = [];
    }

    public ProgramFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "(unknown)";
        Errors = [];
    }

    public string File { get; }

    public IReadOnlyList<ProgramFileError> Errors { get; }

    private static string Format(string file, IReadOnlyList<ProgramFileError> errors) =>
        errors.Count == 0
            ? $"{file}: invalid program file"
            : $"{file}: {errors.Count} error(s): " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Reason}"));
}

/// <summary>One problem in a program file.</summary>
public sealed record ProgramFileError(string Path, string Reason);
