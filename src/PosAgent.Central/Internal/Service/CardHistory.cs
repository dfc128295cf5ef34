using System.Buffers.Text;
using System.Globalization;
using System.Text;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Service;

/// <summary>
/// A card's history, paged from the ledger newest first (#17: the snapshot stays small and the
/// history is asked for on its own). Pages are keyed by the last entry shown, so entries applied
/// meanwhile never shift a page or repeat one.
/// </summary>
internal sealed class CardHistory(ILoyaltyStore store)
{
    public const int DefaultPageSize = 50;

    public const int MaxPageSize = 200;

    /// <summary>One page; with <paramref name="visibleTo"/> (a terminal), only the entries in its scope.</summary>
    public async Task<ListCardHistoryResponse> ListAsync(ListCardHistoryRequest request, LedgerVisibility? visibleTo, CancellationToken cancellationToken)
    {
        RequestValidator.CardNumber("card_number", request.CardNumber);
        RequestValidator.Range("page_size", request.PageSize, 0, MaxPageSize);
        var size = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var before = PageToken.Parse("page_token", request.PageToken);
        var entries = await store.ReadAsync(async (s, ct) =>
        {
            var card = await s.GetCardAsync(request.CardNumber, ct) ?? throw new NotFoundException($"card {CardNumberFormat.Mask(request.CardNumber)} is not registered");
            return await s.ListAccountEntriesAsync(card.AccountId, before, size + 1, ct, visibleTo);
        }, cancellationToken).ConfigureAwait(false);

        var response = new ListCardHistoryResponse();
        foreach (var e in entries.Take(size))
        {
            var result = TransactionResult.Parser.ParseFrom(e.Result);
            result.Explanation.Clear();
            response.Entries.Add(new CardHistoryEntry
            {
                TransactionId = e.TransactionId,
                Kind = e.Kind,
                BusinessTime = ProtoMapping.Ts(e.BusinessTime),
                TerminalId = e.TerminalId,
                Result = result,
            });
        }

        if (entries.Count > size)
        {
            var last = entries[size - 1];
            response.NextPageToken = PageToken.Format(last.BusinessTime, last.TransactionId);
        }

        return response;
    }

    /// <summary>"h1." + base64url("{ticks}:{id}") of the last entry of the page: opaque to callers, checked when read back.</summary>
    internal static class PageToken
    {
        private const string Prefix = "h1.";

        public static string Format(DateTimeOffset businessTime, string transactionId) =>
            Prefix + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(businessTime.UtcTicks.ToString(CultureInfo.InvariantCulture) + ":" + transactionId));

        public static (DateTimeOffset BusinessTime, string TransactionId)? Parse(string field, string token)
        {
            if (token.Length == 0)
            {
                return null;
            }

            try
            {
                if (token.Length <= 200 && token.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length)));
                    var colon = text.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0 && colon < text.Length - 1
                        && long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                        && ticks <= DateTimeOffset.MaxValue.UtcTicks)
                    {
                        return (new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
                    }
                }
            }
            catch (FormatException)
            {
                // Falls through to the refusal below.
            }

            throw new RequestValidationException(field, "is not a page token this service gave (pass next_page_token unchanged, or empty for the first page)");
        }
    }
}
