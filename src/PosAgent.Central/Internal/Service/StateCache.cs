using System.Collections.Concurrent;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Service;

/// <summary>
/// Parsed account states keyed by account, reused when the stored JSON is exactly the text they
/// were parsed from (or serialized to). Parsing the JSON is most of the cost of applying a sale;
/// comparing the text is cheap, and it keeps the cache right whatever other instances write.
/// </summary>
internal sealed class StateCache(int capacity = 100_000)
{
    private readonly ConcurrentDictionary<string, (string Json, AccountState State)> _entries = new(StringComparer.Ordinal);

    /// <summary>Entries added since the last clear; kept by hand because ConcurrentDictionary.Count takes every lock (it was a third of applying a sale).</summary>
    private int _added;

    public AccountState Get(string accountId, string json)
    {
        if (_entries.TryGetValue(accountId, out var entry) && string.Equals(entry.Json, json, StringComparison.Ordinal))
        {
            return entry.State;
        }

        var state = AccountStateJson.Deserialize(json);
        Put(accountId, json, state);
        return state;
    }

    public string Serialize(string accountId, AccountState state)
    {
        var json = AccountStateJson.Serialize(state);
        Put(accountId, json, state);
        return json;
    }

    private void Put(string accountId, string json, AccountState state)
    {
        if (!_entries.ContainsKey(accountId) && Interlocked.Increment(ref _added) > capacity)
        {
            // Crude but bounded: start over rather than track recency on the hot path.
            _entries.Clear();
            Volatile.Write(ref _added, 0);
        }

        _entries[accountId] = (json, state);
    }
}
