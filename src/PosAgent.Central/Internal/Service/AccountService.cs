using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using Payment = PosAgent.Contracts.Loyalty.V1.Payment;
using ProtoCard = PosAgent.Contracts.Loyalty.V1.Card;

namespace PosAgent.Central.Internal.Service;

/// <summary>A thing asked for that does not exist (NOT_FOUND).</summary>
internal sealed class NotFoundException(string message) : Exception(message);

/// <summary>The request is valid but the state does not allow it (FAILED_PRECONDITION).</summary>
internal sealed class PreconditionException(string message) : Exception(message);

/// <summary>Members, cards and their lifecycle; snapshots and online redemption checks.</summary>
internal sealed class AccountService(ILoyaltyStore store, ProgramCatalog programs, ChangeFeed feed, RequestValidator validator, TimeProvider time, ILogger logger, TimeSpan holdTtl)
{
    // ---- read side ----

    public Task<CardSnapshot> SnapshotAsync(string cardNumber, CancellationToken cancellationToken) =>
        SnapshotAsync(new GetCardSnapshotRequest { CardNumber = cardNumber }, cancellationToken);

    /// <summary>The card as a till needs it, bounded whatever the history (#17); figures as of the request's instant (default now).</summary>
    public async Task<CardSnapshot> SnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken)
    {
        var cardNumber = request.CardNumber;
        RequestValidator.CardNumber("card_number", cardNumber);
        var at = SnapshotInstant.Of("as_of", request.AsOf, time.GetUtcNow());
        var (card, account, cursor) = await store.ReadAsync(async (s, ct) =>
        {
            var c = await s.GetCardAsync(cardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(cardNumber)} is not registered");
            var a = (await s.GetAccountsAsync([c.AccountId], false, ct))[c.AccountId];
            return (c, a, await s.GetLatestCursorAsync(ct));
        }, cancellationToken).ConfigureAwait(false);
        var engine = await programs.ActiveEngineAsync(account.ProgramId, cancellationToken).ConfigureAwait(false);
        var state = AccountStateJson.Deserialize(account.StateJson);
        var summary = engine.Summarize(state, at);
        var till = engine.TillState(state, at);
        var snapshot = new CardSnapshot
        {
            CardNumber = card.CardNumber,
            AccountId = account.AccountId,
            State = ProtoMapping.State(card.Status),
            Balance = ProtoMapping.Balance(summary, state),
            OfflineRedemptionAllowance = card.Status == CardStatus.Active ? engine.Program.OfflineRedemptionAllowance : 0,
            ProgramId = engine.Program.Id,
            ProgramVersion = engine.Program.Version,
            CardValidUntil = ProtoMapping.Ts(card.ValidUntil),
            ReplacedByCardNumber = card.ReplacedBy ?? string.Empty,
            AsOf = ProtoMapping.Ts(summary.At),
            AccountStateJson = AccountStateJson.Serialize(till),
            ChangeCursor = cursor,
            Counters = SnapshotInstant.Counters(engine.Counters(state, at)),
            Mode = state.Mode == Rules.AccountMode.DiscountCard ? Contracts.Loyalty.V1.AccountMode.DiscountCard : Contracts.Loyalty.V1.AccountMode.Bonus,
            DiscountLevel = state.Mode == Rules.AccountMode.DiscountCard ? state.DiscountLevel ?? string.Empty : string.Empty,
            DiscountPercent = state.Mode == Rules.AccountMode.DiscountCard
                ? (int)(engine.Program.Definition.DiscountCard?.Levels.FirstOrDefault(l => l.Id == state.DiscountLevel)?.Percent ?? 0)
                : 0,
        };
        snapshot.Lots.AddRange(till.Lots.Select(SnapshotInstant.Lot));
        return snapshot;
    }

    /// <summary>
    /// One page of the card's history (<see cref="CardHistory"/>): all of it for the operator, for
    /// a terminal the operations of the stores in its scope and the service's own (#18).
    /// </summary>
    public Task<ListCardHistoryResponse> HistoryAsync(Caller? caller, ListCardHistoryRequest request, CancellationToken cancellationToken) =>
        new CardHistory(store).ListAsync(request, caller?.Visibility, cancellationToken);

    /// <summary>
    /// Decides an online redemption and, when it is authorized, holds the points for it: the
    /// decision and the hold happen in one write that locks the account row, so every instance's
    /// authorizations of one card queue behind each other and each sees the others' holds.
    /// </summary>
    public async Task<AuthorizeRedemptionResponse> AuthorizeAsync(Caller caller, AuthorizeRedemptionRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.CardNumber("card_number", request.CardNumber);
        RequestValidator.Range("points", request.Points, 1, RequestValidator.MaxPoints);
        var at = validator.BusinessTime("business_time", request.BusinessTime, required: false);
        RequestValidator.Id("authorization_id", request.AuthorizationId, required: false);
        RequestValidator.Lines("lines", request.Lines, required: false);
        RequestValidator.Payments("payments", request.Payments, RequestValidator.LinesTotal(request.Lines), required: false);
        // A hold needs a name the sale can quote: the service names it when the terminal did not.
        var authorizationId = request.AuthorizationId.Length > 0 ? request.AuthorizationId : "auth-" + Guid.NewGuid().ToString("N");

        var response = await store.WriteAsync(async (s, ct) =>
        {
            var card = await s.GetCardAsync(request.CardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(request.CardNumber)} is not registered");
            var account = (await s.GetAccountsAsync([card.AccountId], forUpdate: true, ct))[card.AccountId];
            var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
            var now = time.GetUtcNow();
            await s.DeleteExpiredHoldsAsync(account.AccountId, now, ct);
            var previous = await s.GetHoldAsync(authorizationId, ct);
            if (previous is not null && (previous.TerminalId != caller.TerminalId || previous.AccountId != account.AccountId))
            {
                return Refused(engine, authorizationId, "authorization_id_taken", "This authorization id is already used; a new authorization needs a new id.");
            }

            // Authorizing again under the same id replaces its hold rather than adding to it.
            var holds = (await s.GetActiveHoldsAsync(account.AccountId, now, ct)).Where(h => h.AuthorizationId != authorizationId).ToList();
            var state = AccountStateJson.Deserialize(account.StateJson);
            var held = engine.WithPromised(state, [.. holds.Select(h => new PromisedSpend(h.AuthorizationId, h.BusinessTime, h.Points))]);
            var decision = Decide(engine, card, held, request, at, authorizationId);
            if (decision.Authorized)
            {
                var expires = now + holdTtl;
                await s.PutHoldAsync(new HoldRecord(authorizationId, account.AccountId, caller.TerminalId, request.Points, at, now, expires), ct);
                decision.HoldExpiresAt = ProtoMapping.Ts(expires);
            }
            else if (previous is not null)
            {
                await s.DeleteHoldsAsync([authorizationId], ct);
            }

            return decision;
        }, cancellationToken).ConfigureAwait(false);
        if (response.Authorized)
        {
            CentralLog.RedemptionHeld(logger, CardNumberFormat.Mask(request.CardNumber), authorizationId, response.PointsAuthorized);
        }

        return response;
    }

    /// <summary>Gives back an authorization's hold (the terminal's own only).</summary>
    public async Task<ReleaseRedemptionResponse> ReleaseAsync(Caller caller, ReleaseRedemptionRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Id("authorization_id", request.AuthorizationId);
        var released = await store.WriteAsync(async (s, ct) =>
        {
            var hold = await s.GetHoldAsync(request.AuthorizationId, ct);
            if (hold is null || hold.TerminalId != caller.TerminalId || hold.ExpiresAt <= time.GetUtcNow())
            {
                return false;
            }

            return await s.DeleteHoldsAsync([request.AuthorizationId], ct) > 0;
        }, cancellationToken).ConfigureAwait(false);
        return new ReleaseRedemptionResponse { Released = released };
    }

    /// <summary>
    /// The limit on the account as it stands with every other hold taken out. Refused the way
    /// SubmitTransactions refuses a sale over the limit: insufficient_points when the usable
    /// balance binds, else limit_exceeded, with the real maximum and the binding limit.
    /// </summary>
    private static AuthorizeRedemptionResponse Decide(LoyaltyEngine engine, CardRecord card, AccountState held, AuthorizeRedemptionRequest request, DateTimeOffset at, string authorizationId)
    {
        var response = new AuthorizeRedemptionResponse
        {
            AuthorizationId = authorizationId,
            ProgramId = engine.Program.Id,
            ProgramVersion = engine.Program.Version,
            Balance = ProtoMapping.Balance(engine.Summarize(held, at), held),
        };
        if (card.Status != CardStatus.Active)
        {
            response.Rejection = new Rejection { Code = "card_" + card.Status.ToString().ToLowerInvariant(), Message = $"Card {CardNumberFormat.Mask(card.CardNumber)} is {card.Status.ToString().ToLowerInvariant()}." };
            return response;
        }

        try
        {
            BurnLimitKind binding;
            string? rule = null;
            if (request.Lines.Count == 0)
            {
                response.MaxSpendable = response.Balance.Usable;
                binding = BurnLimitKind.UsableBalance;
            }
            else
            {
                // Without the payment split: a points part over the limit must be refused for the
                // limit, not as a payment mismatch (the split assumes the points).
                var sale = ProtoMapping.Sale("authorize:" + authorizationId, at, request.Lines, [], engine.Program.MinorUnitsPerUnit, string.Empty, false, null);
                var quote = engine.Quote(held, sale with { PointsToSpend = 0 });
                response.MaxSpendable = quote.MaxPointsToSpend;
                binding = quote.BindingLimit;
                rule = quote.BindingRuleId;
            }

            response.BindingLimit = rule is null ? binding.ToString() : $"{binding} ({rule})";
            response.Authorized = request.Points <= response.MaxSpendable;
            response.PointsAuthorized = response.Authorized ? request.Points : 0;
            if (!response.Authorized)
            {
                var code = binding == BurnLimitKind.UsableBalance ? LoyaltyErrorCode.InsufficientPoints : LoyaltyErrorCode.BurnLimitExceeded;
                response.Rejection = new Rejection
                {
                    Code = ProtoMapping.Code(code),
                    Message = $"{request.Points} points asked, at most {response.MaxSpendable} may be spent here ({response.BindingLimit}).",
                    RuleId = rule ?? string.Empty,
                };
            }
        }
        catch (LoyaltyRuleException ex)
        {
            response.Rejection = new Rejection { Code = ProtoMapping.Code(ex.Code), Message = ex.Message, RuleId = ex.RuleId ?? string.Empty };
        }

        return response;
    }

    private static AuthorizeRedemptionResponse Refused(LoyaltyEngine engine, string authorizationId, string code, string message) => new()
    {
        AuthorizationId = authorizationId,
        ProgramId = engine.Program.Id,
        ProgramVersion = engine.Program.Version,
        Rejection = new Rejection { Code = code, Message = message },
    };

    public async Task<Member> GetMemberAsync(GetMemberRequest request, CancellationToken cancellationToken)
    {
        if (request.MemberId.Length == 0 && request.CardNumber.Length == 0)
        {
            throw new RequestValidationException("member_id", "is required (or card_number)");
        }

        return await store.ReadAsync(async (s, ct) =>
        {
            var memberId = request.MemberId;
            if (memberId.Length == 0)
            {
                var card = await s.GetCardAsync(request.CardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(request.CardNumber)} is not registered");
                memberId = (await s.GetAccountsAsync([card.AccountId], false, ct))[card.AccountId].MemberId;
            }

            var record = await s.GetMemberAsync(memberId, ct) ?? throw new NotFoundException($"member {memberId} does not exist");
            return await MemberAsync(s, record, ct);
        }, cancellationToken).ConfigureAwait(false);
    }

    // ---- members and cards ----

    public async Task<RegisterMemberResponse> RegisterAsync(RegisterMemberRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Id("request_id", request.RequestId);
        RequestValidator.Id("program_id", request.ProgramId);
        RequestValidator.Text("full_name", request.FullName, 200, required: true);
        if (!System.Text.RegularExpressions.Regex.IsMatch(request.Phone, @"^\+[1-9][0-9]{6,14}$"))
        {
            throw new RequestValidationException("phone", "must be in E.164 form, e.g. +79991234567");
        }

        RequestValidator.Text("email", request.Email, 200);
        RequestValidator.Id("guardian_member_id", request.GuardianMemberId, required: false);
        RequestValidator.Text("region", request.Region, 64);
        RequestValidator.CardNumber("referrer_card_number", request.ReferrerCardNumber, required: false);
        RequestValidator.CardNumber("card_number", request.CardNumber, required: false);
        RequestValidator.Range("qualifying_payment_minor", request.QualifyingPaymentMinor, 0, RequestValidator.MaxAmountMinor);
        var birthday = Birthday(request.Birthday);
        if (!request.ConsentPersonalData)
        {
            throw new RequestValidationException("consent_personal_data", "must be given to register (the registration form)");
        }

        var at = validator.BusinessTime("business_time", request.BusinessTime, required: false);
        var engine = await programs.ActiveEngineAsync(request.ProgramId, cancellationToken).ConfigureAwait(false);
        var cardNumber = request.CardNumber.Length > 0 ? request.CardNumber : NewCardNumber(engine.Program.Card);
        if (request.ReferrerCardNumber.Length > 0 && !engine.Program.Definition.Events.Any(e => e.Id == "referral"))
        {
            throw new RequestValidationException("referrer_card_number", $"program {engine.Program.Id} gives no referral points");
        }

        return await store.WriteAsync(async (s, ct) =>
        {
            if (await s.GetMemberByRequestAsync(request.RequestId, ct) is { } done)
            {
                return await RegisteredAsync(s, done, ct);
            }

            if (await s.GetCardAsync(cardNumber, ct) is not null)
            {
                throw new PreconditionException($"card {CardNumberFormat.Mask(cardNumber)} is already issued");
            }

            var memberId = "m-" + Guid.CreateVersion7().ToString("N");
            var accountId = "a-" + Guid.CreateVersion7().ToString("N");
            var enrolled = engine.Enroll(new EnrollRequest
            {
                AccountId = accountId,
                CardNumber = cardNumber,
                At = at,
                BirthDate = birthday,
                PhoneConfirmed = request.PhoneConfirmed,
                RegistrationFormComplete = request.ConsentPersonalData && request.FullName.Length > 0,
                TransactionId = "enroll:" + request.RequestId,
                QualifyingPaymentMinor = request.QualifyingPaymentMinor,
            });
            var member = new Member
            {
                MemberId = memberId,
                FullName = request.FullName,
                Phone = request.Phone,
                PhoneConfirmed = request.PhoneConfirmed,
                Birthday = request.Birthday,
                Email = request.Email,
                ConsentPersonalData = request.ConsentPersonalData,
                ConsentMarketing = request.ConsentMarketing,
                GuardianMemberId = request.GuardianMemberId,
                Region = request.Region,
                RegisteredAt = ProtoMapping.Ts(at),
            };
            await s.InsertMemberAsync(new MemberRecord(memberId, request.RequestId, request.Phone, member.ToByteArray(), at), ct);
            var now = time.GetUtcNow();
            var summary = engine.Summarize(enrolled.State, now);
            await s.InsertAccountAsync(new AccountRecord(accountId, memberId, engine.Program.Id, AccountStateJson.Serialize(enrolled.State), 1, ProtoMapping.Figures(summary), at, now), ct);
            await s.InsertCardAsync(new CardRecord(cardNumber, accountId, CardStatus.Active, at, enrolled.State.CardValidUntil, null, null, "register:" + request.RequestId), ct);
            var welcome = ProtoMapping.Result(enrolled.TransactionId, at, now, accountId, enrolled);
            await s.InsertEntriesAsync([new LedgerEntry(enrolled.TransactionId, accountId, "service", "service", "enroll", at, now, (int)TransactionOutcome.Applied, request.ToByteArray(), welcome.ToByteArray())], ct);
            if (request.ReferrerCardNumber.Length > 0)
            {
                await GrantReferralAsync(s, engine, request.ReferrerCardNumber, "referral:" + request.RequestId, at, ct);
            }

            CentralLog.CardOperation(logger, CardNumberFormat.Mask(cardNumber), "registered");
            return await RegisteredAsync(s, (await s.GetMemberAsync(memberId, ct))!, ct);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ProtoCard> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Id("request_id", request.RequestId);
        RequestValidator.Id("account_id", request.AccountId);
        RequestValidator.CardNumber("card_number", request.CardNumber, required: false);
        RequestValidator.Range("fee_paid_minor", request.FeePaidMinor, 0, RequestValidator.MaxAmountMinor);
        var at = validator.BusinessTime("business_time", request.BusinessTime, required: false);
        return await store.WriteAsync(async (s, ct) =>
        {
            if (await s.GetCardByRequestAsync("issue:" + request.RequestId, ct) is { } done)
            {
                return ProtoMapping.Card(done);
            }

            var account = (await s.GetAccountsAsync([request.AccountId], true, ct)).GetValueOrDefault(request.AccountId)
                ?? throw new NotFoundException($"account {request.AccountId} does not exist");
            var cards = await s.ListCardsByAccountAsync(account.AccountId, ct);
            if (cards.Any(c => c.Status is CardStatus.Active or CardStatus.Blocked))
            {
                throw new PreconditionException("the account already has a card; use ReplaceCard for a lost or damaged one");
            }

            var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
            var number = request.CardNumber.Length > 0 ? request.CardNumber : NewCardNumber(engine.Program.Card);
            var (card, _) = await MoveToNewCardAsync(s, engine, account, null, number, at, request.FeePaidMinor, "issue:" + request.RequestId, ct);
            return ProtoMapping.Card(card);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Id("request_id", request.RequestId);
        RequestValidator.CardNumber("old_card_number", request.OldCardNumber);
        RequestValidator.CardNumber("new_card_number", request.NewCardNumber, required: false);
        RequestValidator.Text("reason", request.Reason, 200);
        RequestValidator.Range("fee_paid_minor", request.FeePaidMinor, 0, RequestValidator.MaxAmountMinor);
        var at = validator.BusinessTime("business_time", request.BusinessTime, required: false);
        return await store.WriteAsync(async (s, ct) =>
        {
            var old = await s.GetCardAsync(request.OldCardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(request.OldCardNumber)} is not registered");
            if (await s.GetCardByRequestAsync("replace:" + request.RequestId, ct) is { } done)
            {
                return await ReplacedAsync(s, old, done, ct);
            }

            if (old.Status is CardStatus.Replaced or CardStatus.Annulled)
            {
                throw new PreconditionException($"card {CardNumberFormat.Mask(old.CardNumber)} is {old.Status.ToString().ToLowerInvariant()} and cannot be replaced");
            }

            var account = (await s.GetAccountsAsync([old.AccountId], true, ct))[old.AccountId];
            var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
            var number = request.NewCardNumber.Length > 0 ? request.NewCardNumber : NewCardNumber(engine.Program.Card);
            var (card, _) = await MoveToNewCardAsync(s, engine, account, old, number, at, request.FeePaidMinor, "replace:" + request.RequestId, ct);
            CentralLog.CardOperation(logger, CardNumberFormat.Mask(old.CardNumber), "replaced by " + CardNumberFormat.Mask(card.CardNumber));
            return await ReplacedAsync(s, (await s.GetCardAsync(old.CardNumber, ct))!, card, ct);
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<ProtoCard> BlockAsync(BlockCardRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Text("reason", request.Reason, 200, required: true);
        return CardOperationAsync(request.CardNumber, "block", cancellationToken, (engine, state, card, at) =>
        {
            if (card.Status != CardStatus.Active)
            {
                throw new PreconditionException($"card is {card.Status.ToString().ToLowerInvariant()}, not active");
            }

            return (engine.Block(state, request.Reason, at), card with { Status = CardStatus.Blocked, Reason = request.Reason });
        });
    }

    public Task<ProtoCard> UnblockAsync(UnblockCardRequest request, CancellationToken cancellationToken) =>
        CardOperationAsync(request.CardNumber, "unblock", cancellationToken, (engine, state, card, at) =>
        {
            if (card.Status != CardStatus.Blocked)
            {
                throw new PreconditionException($"card is {card.Status.ToString().ToLowerInvariant()}, not blocked");
            }

            return (engine.Unblock(state, at), card with { Status = CardStatus.Active, Reason = null });
        });

    public Task<ProtoCard> AnnulAsync(AnnulCardRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Text("reason", request.Reason, 200, required: true);
        return CardOperationAsync(request.CardNumber, "annul", cancellationToken, (engine, state, card, at) =>
        {
            if (card.Status is CardStatus.Annulled or CardStatus.Replaced)
            {
                throw new PreconditionException($"card is already {card.Status.ToString().ToLowerInvariant()}");
            }

            return (engine.Annul(state, request.Reason, at), card with { Status = CardStatus.Annulled, Reason = request.Reason });
        });
    }

    public Task<ProtoCard> ExtendAsync(ExtendCardRequest request, CancellationToken cancellationToken) =>
        CardOperationAsync(request.CardNumber, "extend", cancellationToken, (engine, state, card, at) =>
        {
            if (card.Status is not (CardStatus.Active or CardStatus.Expired))
            {
                throw new PreconditionException($"card is {card.Status.ToString().ToLowerInvariant()}; only an active or expired card is extended");
            }

            var op = engine.ExtendCard(state, at);
            var until = op.State.CardValidUntil;
            if (request.ValidUntil is not null)
            {
                var wanted = request.ValidUntil.ToDateTimeOffset();
                if (card.ValidUntil is { } current && wanted <= current)
                {
                    throw new RequestValidationException("valid_until", "must be later than the card's current end date");
                }

                until = wanted;
                op = op with { State = op.State with { CardValidUntil = wanted } };
            }

            return (op, card with { Status = CardStatus.Active, ValidUntil = until, Reason = null });
        });

    public async Task<TransactionResult> GrantAsync(GrantPointsRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Id("operation_id", request.OperationId);
        RequestValidator.CardNumber("card_number", request.CardNumber);
        RequestValidator.Id("kind", request.Kind);
        RequestValidator.Range("points", request.Points, 0, RequestValidator.MaxPoints);
        RequestValidator.Text("reason", request.Reason, 200);
        var at = validator.BusinessTime("business_time", request.BusinessTime, required: false);
        return await store.WriteAsync(async (s, ct) =>
        {
            var existing = await s.GetEntriesAsync([request.OperationId], ct);
            if (existing.TryGetValue(request.OperationId, out var entry))
            {
                var copy = TransactionResult.Parser.ParseFrom(entry.Result);
                copy.Outcome = TransactionOutcome.Duplicate;
                return copy;
            }

            var card = await s.GetCardAsync(request.CardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(request.CardNumber)} is not registered");
            var account = (await s.GetAccountsAsync([card.AccountId], true, ct))[card.AccountId];
            var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
            var state = AccountStateJson.Deserialize(account.StateJson);
            var now = time.GetUtcNow();
            TransactionResult result;
            try
            {
                var op = engine.Grant(state, new GrantRequest { TransactionId = request.OperationId, EventId = request.Kind, At = at, Points = request.Points > 0 ? request.Points : null });
                await SaveAsync(s, engine, account, op.State, now, ct);
                result = ProtoMapping.Result(request.OperationId, at, now, account.AccountId, op);
            }
            catch (LoyaltyRuleException ex)
            {
                result = ProtoMapping.Rejected(request.OperationId, at, now, account.AccountId, ProtoMapping.Code(ex.Code), ex.Message, ex.RuleId);
            }

            await s.InsertEntriesAsync([new LedgerEntry(request.OperationId, account.AccountId, "admin", "admin", "grant", at, now, (int)result.Outcome, request.ToByteArray(), result.ToByteArray())], ct);
            return result;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CardSnapshot> AssignTierAsync(AssignTierRequest request, CancellationToken cancellationToken)
    {
        RequestValidator.Id("tier", request.Tier);
        await CardOperationAsync(request.CardNumber, "assign tier " + request.Tier, cancellationToken, (engine, state, card, at) =>
        {
            var op = engine.AssignTier(state, request.Tier, at);
            if (request.ValidUntil is not null)
            {
                op = op with { State = op.State with { TierValidUntil = request.ValidUntil.ToDateTimeOffset() } };
            }

            return (op, card);
        }).ConfigureAwait(false);
        return await SnapshotAsync(request.CardNumber, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>INV-HP-R1: bonus or discount card, switched by the member's written request.</summary>
    public async Task<CardSnapshot> SetModeAsync(SetCardModeRequest request, CancellationToken cancellationToken)
    {
        var mode = request.Mode switch
        {
            Contracts.Loyalty.V1.AccountMode.Bonus => Rules.AccountMode.Bonus,
            Contracts.Loyalty.V1.AccountMode.DiscountCard => Rules.AccountMode.DiscountCard,
            _ => throw new RequestValidationException("mode", "must be ACCOUNT_MODE_BONUS or ACCOUNT_MODE_DISCOUNT_CARD"),
        };
        await CardOperationAsync(request.CardNumber, "mode " + mode, cancellationToken, (engine, state, card, at) =>
            (engine.SwitchMode(state, mode, at, request.WrittenRequest), card)).ConfigureAwait(false);
        return await SnapshotAsync(request.CardNumber, cancellationToken).ConfigureAwait(false);
    }

    // ---- helpers ----

    /// <summary>ATI-R3: the member who referred the new one gets the program's referral points.</summary>
    private async Task GrantReferralAsync(IStoreSession s, LoyaltyEngine engine, string referrerCard, string operationId, DateTimeOffset at, CancellationToken ct)
    {
        var card = await s.GetCardAsync(referrerCard, ct) ?? throw new RequestValidationException("referrer_card_number", $"card {CardNumberFormat.Mask(referrerCard)} is not registered");
        var account = (await s.GetAccountsAsync([card.AccountId], true, ct))[card.AccountId];
        if (account.ProgramId != engine.Program.Id)
        {
            throw new RequestValidationException("referrer_card_number", $"the referrer's card is not a {engine.Program.Id} card");
        }

        var now = time.GetUtcNow();
        var state = AccountStateJson.Deserialize(account.StateJson);
        var op = engine.Grant(state, new GrantRequest { TransactionId = operationId, EventId = "referral", At = at > state.LastOperationAt ? at : state.LastOperationAt });
        await SaveAsync(s, engine, account, op.State, now, ct);
        var result = ProtoMapping.Result(operationId, at, now, account.AccountId, op);
        await s.InsertEntriesAsync([new LedgerEntry(operationId, account.AccountId, "service", "service", "grant", at, now, (int)TransactionOutcome.Applied, [], result.ToByteArray())], ct);
    }

    private async Task<ProtoCard> CardOperationAsync(
        string cardNumber, string operation, CancellationToken cancellationToken,
        Func<LoyaltyEngine, AccountState, CardRecord, DateTimeOffset, (OperationResult Op, CardRecord Card)> change)
    {
        RequestValidator.CardNumber("card_number", cardNumber);
        var result = await store.WriteAsync(async (s, ct) =>
        {
            var card = await s.GetCardAsync(cardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(cardNumber)} is not registered");
            var account = (await s.GetAccountsAsync([card.AccountId], true, ct))[card.AccountId];
            var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
            var now = time.GetUtcNow();
            var state = AccountStateJson.Deserialize(account.StateJson);
            // Operator actions happen now, but never before the account's last operation.
            var at = now > state.LastOperationAt ? now : state.LastOperationAt;
            (OperationResult Op, CardRecord Card) outcome;
            try
            {
                outcome = change(engine, state, card, at);
            }
            catch (LoyaltyRuleException ex)
            {
                throw new PreconditionException(ex.Message);
            }

            await SaveAsync(s, engine, account, outcome.Op.State, now, ct);
            if (outcome.Card != card)
            {
                await s.UpdateCardAsync(outcome.Card, ct);
                await feed.AppendAsync(s, CardChange(outcome.Card, now), now, ct);
            }

            return outcome.Card;
        }, cancellationToken).ConfigureAwait(false);
        feed.NotifyCommitted();
        CentralLog.CardOperation(logger, CardNumberFormat.Mask(cardNumber), operation);
        return ProtoMapping.Card(result);
    }

    private async Task<(CardRecord Card, OperationResult Op)> MoveToNewCardAsync(
        IStoreSession s, LoyaltyEngine engine, AccountRecord account, CardRecord? old, string number, DateTimeOffset at, long fee, string requestKey, CancellationToken ct)
    {
        if (await s.GetCardAsync(number, ct) is not null)
        {
            throw new PreconditionException($"card {CardNumberFormat.Mask(number)} is already issued");
        }

        var now = time.GetUtcNow();
        var state = AccountStateJson.Deserialize(account.StateJson);
        var when = at > state.LastOperationAt ? at : state.LastOperationAt;
        OperationResult op;
        try
        {
            op = engine.ReplaceCard(state, number, when, fee);
        }
        catch (LoyaltyRuleException ex)
        {
            throw new PreconditionException(ex.Message);
        }

        await SaveAsync(s, engine, account, op.State, now, ct);
        var card = new CardRecord(number, account.AccountId, CardStatus.Active, when, op.State.CardValidUntil, null, null, requestKey);
        await s.InsertCardAsync(card, ct);
        if (old is not null)
        {
            var replaced = old with { Status = CardStatus.Replaced, ReplacedBy = number };
            await s.UpdateCardAsync(replaced, ct);
            await feed.AppendAsync(s, CardChange(replaced, now), now, ct);
        }

        return (card, op);
    }

    private static async Task SaveAsync(IStoreSession s, LoyaltyEngine engine, AccountRecord account, AccountState state, DateTimeOffset now, CancellationToken ct)
    {
        var summary = engine.Summarize(state, now);
        await s.UpdateAccountAsync(account with
        {
            StateJson = AccountStateJson.Serialize(state),
            Version = account.Version + 1,
            Figures = ProtoMapping.Figures(summary),
            UpdatedAt = now,
        }, account.Version, ct);
    }

    internal static Change CardChange(CardRecord card, DateTimeOffset at) => new()
    {
        Time = ProtoMapping.Ts(at),
        Card = new CardChange
        {
            CardNumber = card.CardNumber,
            State = ProtoMapping.State(card.Status),
            AccountId = card.AccountId,
            ReplacedByCardNumber = card.ReplacedBy ?? string.Empty,
            ValidUntil = ProtoMapping.Ts(card.ValidUntil),
        },
    };

    private async Task<ReplaceCardResponse> ReplacedAsync(IStoreSession s, CardRecord old, CardRecord card, CancellationToken ct)
    {
        var account = (await s.GetAccountsAsync([card.AccountId], false, ct))[card.AccountId];
        var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
        var state = AccountStateJson.Deserialize(account.StateJson);
        var summary = engine.Summarize(state, time.GetUtcNow());
        return new ReplaceCardResponse
        {
            OldCard = ProtoMapping.Card(old),
            NewCard = ProtoMapping.Card(card),
            PointsMoved = summary.Balance,
            Balance = ProtoMapping.Balance(summary, state),
        };
    }

    private async Task<RegisterMemberResponse> RegisteredAsync(IStoreSession s, MemberRecord record, CancellationToken ct)
    {
        var member = await MemberAsync(s, record, ct);
        var response = new RegisterMemberResponse { Member = member, Account = member.Accounts.FirstOrDefault() };
        response.Card = response.Account?.Cards.FirstOrDefault();
        if (response.Account is not null)
        {
            var enroll = await s.GetEntriesAsync([$"enroll:{record.RequestId}"], ct);
            if (enroll.Values.FirstOrDefault() is { } entry)
            {
                var joined = TransactionResult.Parser.ParseFrom(entry.Result);
                if (joined.PointsEarned > 0)
                {
                    response.Welcome = joined;
                }
            }

            var engine = await programs.ActiveEngineAsync(response.Account.ProgramId, ct).ConfigureAwait(false);
            response.WelcomeOnFirstOrder.AddRange(FirstOrderWelcomes(engine.Program));
        }

        return response;
    }

    private static IEnumerable<FirstOrderWelcome> FirstOrderWelcomes(LoyaltyProgram program) =>
        program.Definition.Events
            .Where(e => e.Trigger == "firstOrder" && e.Points is > 0)
            .Select(e => new FirstOrderWelcome { EventId = e.Id, RuleId = e.Rule, Points = e.Points!.Value, Categories = { e.Categories ?? [] } });

    private async Task<Member> MemberAsync(IStoreSession s, MemberRecord record, CancellationToken ct)
    {
        var member = Member.Parser.ParseFrom(record.Payload);
        foreach (var account in await s.ListAccountsByMemberAsync(record.MemberId, ct))
        {
            var engine = await programs.ActiveEngineAsync(account.ProgramId, ct);
            var state = AccountStateJson.Deserialize(account.StateJson);
            var proto = new Account
            {
                AccountId = account.AccountId,
                MemberId = account.MemberId,
                ProgramId = account.ProgramId,
                Balance = ProtoMapping.Balance(engine.Summarize(state, time.GetUtcNow()), state),
                JoinedAt = ProtoMapping.Ts(account.JoinedAt),
            };
            foreach (var card in await s.ListCardsByAccountAsync(account.AccountId, ct))
            {
                proto.Cards.Add(ProtoMapping.Card(card));
            }

            member.Accounts.Add(proto);
        }

        return member;
    }

    private static DateOnly? Birthday(Date? date)
    {
        if (date is null || (date.Year == 0 && date.Month == 0 && date.Day == 0))
        {
            return null;
        }

        RequestValidator.Range("birthday.year", date.Year, 1900, 2100);
        RequestValidator.Range("birthday.month", date.Month, 1, 12);
        RequestValidator.Range("birthday.day", date.Day, 1, DateTime.DaysInMonth(date.Year, date.Month));
        return new DateOnly(date.Year, date.Month, date.Day);
    }

    /// <summary>A random number in the program's card format (prefix, length, check digit).</summary>
    internal static string NewCardNumber(CardNumberFormat format)
    {
        var prefix = format.Prefixes.Count > 0 ? format.Prefixes[RandomNumberGenerator.GetInt32(format.Prefixes.Count)] : string.Empty;
        var body = format.CheckDigit == CheckDigitAlgorithm.None ? format.Length - prefix.Length : format.Length - prefix.Length - 1;
        var digits = prefix + string.Concat(Enumerable.Range(0, body).Select(_ => (char)('0' + RandomNumberGenerator.GetInt32(10))));
        return format.CheckDigit switch
        {
            CheckDigitAlgorithm.Luhn => digits + Luhn(digits),
            CheckDigitAlgorithm.Ean13 => digits + Ean13(digits),
            _ => digits,
        };
    }

    private static char Luhn(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }

    private static char Ean13(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            sum += (digits[i] - '0') * (i % 2 == 0 ? 1 : 3);
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }
}
