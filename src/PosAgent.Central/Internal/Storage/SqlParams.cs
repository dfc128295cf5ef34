using System.Data.Common;

namespace PosAgent.Central.Internal.Storage;

/// <summary>Parameter and column helpers shared by both dialects (times are stored as UTC ticks).</summary>
internal static class SqlParams
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value switch
        {
            null => DBNull.Value,
            DateTimeOffset t => t.UtcTicks,
            bool b => b ? 1 : 0,
            Enum e => Convert.ToInt32(e, System.Globalization.CultureInfo.InvariantCulture),
            _ => value,
        };
        command.Parameters.Add(parameter);
    }

    public static long Long(DbDataReader reader, int ordinal) =>
        Convert.ToInt64(reader.GetValue(ordinal), System.Globalization.CultureInfo.InvariantCulture);

    public static string? NullableString(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset Time(DbDataReader reader, int ordinal) => new(Long(reader, ordinal), TimeSpan.Zero);

    public static DateTimeOffset? NullableTime(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Time(reader, ordinal);

    public static byte[] Bytes(DbDataReader reader, int ordinal) => (byte[])reader.GetValue(ordinal);
}
