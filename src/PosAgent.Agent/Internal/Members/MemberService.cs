using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Checks;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Agent.Internal.Sync;
using PosAgent.Contracts.PosAgent.V1;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Members;

/// <summary>
/// The registrar-desk calls. They need the central service: offline they fail with UNAVAILABLE
/// and a clear message, except the balance, which falls back to the cached snapshot.
/// </summary>
internal sealed class MemberService
{
    private readonly CentralGateway _central;
    private readonly CardDirectory _cards;
    private readonly CheckService _checks;
    private readonly AgentStore _store;
    private readonly SyncWorker _sync;
    private readonly TimeProvider _time;
    private readonly AgentOptions _options;

    public MemberService(CentralGateway central, CardDirectory cards, CheckService checks, AgentStore store, SyncWorker sync, TimeProvider time, AgentOptions options)
    {
        _central = central;
        _cards = cards;
        _checks = checks;
        _store = store;
        _sync = sync;
        _time = time;
        _options = options;
    }

    public async Task<BalanceResponse> GetBalanceAsync(GetBalanceRequest request, CancellationToken cancellationToken)
    {
        var number = CardNumber(request.CardNumber, "card_number");
        var asOf = AsOf(request.AsOf);
        (bool Answered, Loyalty.CardSnapshot? Value, string? Reason) answer;
        try
        {
            var call = new Loyalty.GetCardSnapshotRequest { CardNumber = number, AsOf = asOf is { } at ? Timestamp.FromDateTimeOffset(at) : null };
            answer = await _central.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(call, ct), _options.Sync.AttemptTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound)
        {
            throw ApiError.Invalid($"card_number: card {Masking.Card(number)} is not registered; check the number");
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument)
        {
            throw ApiError.Invalid($"card_number: {ex.Status.Detail}");
        }

        if (answer is { Answered: true, Value: { } snapshot })
        {
            if (asOf is null)
            {
                // Figures as of another instant are the answer, not what the card has now: not cached.
                _cards.Put(snapshot);
            }

            return new BalanceResponse { Card = _checks.Summarize(snapshot, fromCentral: true) };
        }

        if (_cards.Find(number) is { } cached)
        {
            var card = _checks.Summarize(cached, fromCentral: false);
            if (asOf is { } at)
            {
                // Offline: the cached account state carries the lots with their activation and
                // expiry, so the engine tells what stands at that instant.
                var summary = _checks.SummarizeAt(cached, at)
                    ?? throw ApiError.Unavailable($"the balance of card {Masking.Card(number)} as of {at:yyyy-MM-dd HH:mm:ssK} needs the central service or a cached account state, and neither is at hand ({answer.Reason}); try again when the connection is back");
                card.Balance = summary.Balance;
                card.Usable = summary.Usable;
                card.Pending = summary.Pending;
                card.Tier = summary.TierId;
                card.AsOf = Timestamp.FromDateTimeOffset(at);
            }

            return new BalanceResponse { Card = card };
        }

        throw ApiError.Unavailable($"the balance of card {Masking.Card(number)} is not known on this terminal and the central service cannot be reached ({answer.Reason}); try again when the connection is back");
    }

    public async Task<RegisterMemberResponse> RegisterAsync(RegisterMemberRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.ProgramId))
        {
            throw ApiError.Invalid("program_id: is required (e.g. \"CSM\")");
        }

        if (string.IsNullOrWhiteSpace(request.FullName) || request.FullName.Length > 200)
        {
            throw ApiError.Invalid("full_name: is required (1..200 characters)");
        }

        if (!request.Consent)
        {
            throw ApiError.Invalid("consent: the member must accept the program's terms (personal data consent) before registering");
        }

        Loyalty.Date? birthday = null;
        if (request.Birthday.Length > 0)
        {
            if (!DateOnly.TryParseExact(request.Birthday, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw ApiError.Invalid($"birthday: '{request.Birthday}' is not a date in the form YYYY-MM-DD");
            }

            birthday = new Loyalty.Date { Year = date.Year, Month = date.Month, Day = date.Day };
        }

        var card = request.CardNumber.Length > 0 ? CardNumber(request.CardNumber, "card_number") : string.Empty;
        var call = new Loyalty.RegisterMemberRequest
        {
            RequestId = Guid.CreateVersion7().ToString(),
            ProgramId = request.ProgramId,
            FullName = request.FullName,
            Phone = request.Phone,
            PhoneConfirmed = request.Phone.Length > 0,
            Birthday = birthday,
            Email = request.Email,
            ConsentPersonalData = request.Consent,
            GuardianMemberId = request.GuardianMemberId,
            BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            CardNumber = card,
        };
        var response = await _central.CallOnlineOnlyAsync("Registering a member", (c, ct) => c.RegisterMemberAsync(call, ct), cancellationToken).ConfigureAwait(false);
        var result = new RegisterMemberResponse { MemberId = response.Member?.MemberId ?? string.Empty, AccountId = response.Account?.AccountId ?? string.Empty };
        if (response.Member?.MemberId is { Length: > 0 } memberId && response.Account?.AccountId is { Length: > 0 } accountId)
        {
            // The central service issues cards to the member's account in the program; the local
            // API speaks of members, so the terminal remembers which account a member it registered has.
            _store.SetMeta(AccountKey(memberId), accountId);
        }

        if (response.Card is { } issued)
        {
            result.Card = await SummarizeIssuedAsync(issued.CardNumber, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    public async Task<CardResponse> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.MemberId))
        {
            throw ApiError.Invalid("member_id: is required");
        }

        var number = request.CardNumber.Length > 0 ? CardNumber(request.CardNumber, "card_number") : string.Empty;
        // A member registered at this terminal is known by member id; an account id is taken as is.
        var accountId = _store.GetMeta(AccountKey(request.MemberId)) ?? request.MemberId;
        var card = await _central.CallOnlineOnlyAsync("Issuing a card", async (c, ct) =>
        {
            // The terminal API issues cards to an account: the member's account in the program.
            return await c.IssueCardAsync(new Loyalty.IssueCardRequest
            {
                RequestId = Guid.CreateVersion7().ToString(),
                AccountId = accountId,
                CardNumber = number,
                BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            }, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new CardResponse { Card = await SummarizeIssuedAsync(card.CardNumber, cancellationToken).ConfigureAwait(false) };
    }

    public async Task<CardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken)
    {
        var old = CardNumber(request.OldCardNumber, "old_card_number");
        var replacement = request.NewCardNumber.Length > 0 ? CardNumber(request.NewCardNumber, "new_card_number") : string.Empty;
        var response = await _central.CallOnlineOnlyAsync("Replacing a card", (c, ct) => c.ReplaceCardAsync(new Loyalty.ReplaceCardRequest
        {
            RequestId = Guid.CreateVersion7().ToString(),
            OldCardNumber = old,
            NewCardNumber = replacement,
            Reason = request.Reason.Length > 0 ? request.Reason : "lost",
            BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
        }, ct), cancellationToken).ConfigureAwait(false);
        if (response.OldCard is { } oldCard)
        {
            _cards.Apply(new Loyalty.CardChange { CardNumber = oldCard.CardNumber, State = oldCard.State, AccountId = oldCard.AccountId, ReplacedByCardNumber = oldCard.ReplacedByCardNumber });
        }

        return new CardResponse { Card = await SummarizeIssuedAsync(response.NewCard?.CardNumber ?? replacement, cancellationToken).ConfigureAwait(false) };
    }

    public async Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken)
    {
        var number = CardNumber(request.CardNumber, "card_number");
        var programId = _cards.Find(number)?.ProgramId;
        if (string.IsNullOrEmpty(programId))
        {
            // Not cached here yet: the card's program comes from the central service (needed online anyway).
            var snapshot = await _central.CallOnlineOnlyAsync("The rewards catalog", (c, ct) => c.GetCardSnapshotAsync(new Loyalty.GetCardSnapshotRequest { CardNumber = number }, ct), cancellationToken).ConfigureAwait(false);
            _cards.Put(snapshot);
            programId = snapshot.ProgramId;
        }

        var response = await _central.CallOnlineOnlyAsync("The rewards catalog", (c, ct) => c.ListRewardsAsync(new Loyalty.ListRewardsRequest { ProgramId = programId, CardNumber = number }, ct), cancellationToken).ConfigureAwait(false);
        var result = new ListRewardsResponse();
        foreach (var reward in response.Rewards)
        {
            result.Rewards.Add(new Reward
            {
                RewardId = reward.RewardId,
                Name = reward.Name,
                PricePoints = reward.PricePoints,
                PriceForCard = reward.PriceForMember > 0 ? reward.PriceForMember : reward.PricePoints,
                Available = true,
            });
        }

        return result;
    }

    /// <summary>
    /// Rewards exchange: written to the outbox first (so it is never lost nor applied twice),
    /// then sent at once; the central service's rejection (e.g. once a month) is reported to the cashier.
    /// </summary>
    public async Task<ExchangeRewardResponse> ExchangeRewardAsync(ExchangeRewardRequest request, CancellationToken cancellationToken)
    {
        var number = CardNumber(request.CardNumber, "card_number");
        if (string.IsNullOrWhiteSpace(request.RewardId))
        {
            throw ApiError.Invalid("reward_id: is required (see ListRewards)");
        }

        if (!_central.Configured || !_central.IsReachable)
        {
            throw ApiError.Unavailable("A rewards exchange needs the central service, which cannot be reached now (offline mode); try again when the connection is back.");
        }

        var operationId = Guid.CreateVersion7().ToString();
        var now = _time.GetUtcNow();
        var transaction = new Loyalty.TerminalTransaction
        {
            TransactionId = operationId,
            BusinessTime = Timestamp.FromDateTimeOffset(now),
            CardNumber = number,
            TerminalId = _options.TerminalId,
            RewardExchange = new Loyalty.RewardExchange { RewardId = request.RewardId, Quantity = 1 },
        };
        _store.Commit(new OutboxOperation(operationId, "reward_exchange", number, now, transaction, false, 0, 0), null, 0);
        var result = await _sync.SendNowAsync(operationId, cancellationToken).ConfigureAwait(false);
        if (result is null)
        {
            return new ExchangeRewardResponse { OperationId = operationId, Pending = true };
        }

        if (result.Outcome == Loyalty.TransactionOutcome.Rejected)
        {
            throw ApiError.Precondition($"reward exchange refused: {result.Rejection?.Message}");
        }

        return new ExchangeRewardResponse
        {
            OperationId = operationId,
            PointsSpent = result.PointsSpent,
            BalanceAfter = result.Balance?.Balance ?? 0,
            RewardName = request.RewardId,
        };
    }

    private async Task<CardSummary> SummarizeIssuedAsync(string cardNumber, CancellationToken cancellationToken)
    {
        var (answered, snapshot, _) = await _central.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(new Loyalty.GetCardSnapshotRequest { CardNumber = cardNumber }, ct), _options.Sync.AttemptTimeout, cancellationToken).ConfigureAwait(false);
        if (answered && snapshot is not null)
        {
            _cards.Put(snapshot);
            return _checks.Summarize(snapshot, fromCentral: true);
        }

        return new CardSummary { MaskedNumber = Masking.Card(cardNumber), State = CardState.Active, Source = DataSource.Central };
    }

    /// <summary>The balance's optional instant, within the range the central service accepts.</summary>
    private DateTimeOffset? AsOf(Timestamp? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Seconds < Timestamp.FromDateTimeOffset(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)).Seconds || value.Nanos is < 0 or > 999_999_999)
        {
            throw ApiError.Invalid("as_of: must be a valid instant from 2000-01-01 on");
        }

        var at = value.ToDateTimeOffset();
        if (at > _time.GetUtcNow().AddYears(10))
        {
            throw ApiError.Invalid("as_of: must be at most 10 years ahead");
        }

        return at;
    }

    private static string AccountKey(string memberId) => "account-of-member:" + memberId;

    private static string CardNumber(string? value, string field)
    {
        var number = value?.Trim() ?? string.Empty;
        if (number.Length is < 4 or > 32 || !number.All(char.IsAsciiDigit))
        {
            throw ApiError.Invalid($"{field}: '{Masking.Card(number)}' is not a card number (4..32 digits expected)");
        }

        return number;
    }
}
