using PosAgent.Central.Internal.Storage;

namespace PosAgent.Central.Storage;

/// <summary>Opens the store a connection setting names.</summary>
public static class LoyaltyStores
{
    /// <summary>
    /// A PostgreSQL connection string ("Host=...;Database=..." or a postgres:// URL is not
    /// accepted: use the key=value form) opens PostgreSQL; anything else is a SQLite file path
    /// (or "Data Source=path").
    /// </summary>
    public static ILoyaltyStore Open(string connection)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connection);
        if (IsPostgres(connection))
        {
            return new SqlLoyaltyStore(new PostgresDialect(connection));
        }

        const string prefix = "Data Source=";
        var path = connection.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? connection[prefix.Length..].TrimEnd(';') : connection;
        return new SqlLoyaltyStore(new SqliteDialect(path));
    }

    public static bool IsPostgres(string connection) =>
        connection.Contains("Host=", StringComparison.OrdinalIgnoreCase) || connection.Contains("Server=", StringComparison.OrdinalIgnoreCase);
}
