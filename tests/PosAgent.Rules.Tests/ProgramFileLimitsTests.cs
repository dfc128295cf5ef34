using System.Text.Json.Nodes;
using PosAgent.Rules;

namespace PosAgent.Rules.Tests;

/// <summary>Amounts too large for the ledger's arithmetic, and repeated keys, are refused with file, JSON path and reason.</summary>
public sealed class ProgramFileLimitsTests
{
    private static string CsmText() => File.ReadAllText(Path.Combine(ProgramFiles.Directory, "csm.json"));

    private static JsonObject Csm() => JsonNode.Parse(CsmText())!.AsObject();

    private static ProgramFileError Refused(string json, string path)
    {
        var ex = Assert.Throws<ProgramFileException>(() => LoyaltyProgram.Parse(json, "big.json"));
        Assert.Equal("big.json", ex.File);
        Assert.Contains("big.json", ex.Message, StringComparison.Ordinal);
        return Assert.Single(ex.Errors, e => e.Path == path);
    }

    [Fact]
    public void Parse_AllowanceOfTwoToThe63_RefusedAsOutOfRange()
    {
        var json = Csm();
        json["offlineRedemptionAllowance"] = long.MaxValue;

        var error = Refused(json.ToJsonString(), "$.offlineRedemptionAllowance");

        Assert.Contains("out of range", error.Reason, StringComparison.Ordinal);
        Assert.Contains("1,000,000,000", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WelcomePointsOfTenToThe18_RefusedWithTheRulesPath()
    {
        var json = Csm();
        var events = json["events"]!.AsArray();
        var welcome = events.Select((e, i) => (e, i)).Single(x => (string?)x.e!["kind"] == "welcome");
        welcome.e!["points"] = 1_000_000_000_000_000_000;

        Refused(json.ToJsonString(), $"$.events[{welcome.i}].points");
    }

    [Fact]
    public void Parse_MinorAmountAboveTenToThe13_RefusedButTenToThe13Accepted()
    {
        var json = Csm();
        json["card"]!["fee"] ??= new JsonObject { ["feeMinor"] = 0, ["freeWithPaymentOverMinor"] = 0 };
        json["card"]!["fee"]!["freeWithPaymentOverMinor"] = 10_000_000_000_001;

        var error = Refused(json.ToJsonString(), "$.card.fee.freeWithPaymentOverMinor");
        Assert.Contains("10,000,000,000,000", error.Reason, StringComparison.Ordinal);

        json["card"]!["fee"]!["freeWithPaymentOverMinor"] = 10_000_000_000_000;
        Assert.Equal("CSM", LoyaltyProgram.Parse(json.ToJsonString(), "edge.json").Id);
    }

    [Fact]
    public void Parse_NumberTooLargeForAnyType_RefusedNotCrashed()
    {
        var text = CsmText().Replace("\"offlineRedemptionAllowance\": 2000", "\"offlineRedemptionAllowance\": 1e400", StringComparison.Ordinal);
        Assert.Contains("1e400", text, StringComparison.Ordinal);

        Refused(text, "$.offlineRedemptionAllowance");
    }

    [Fact]
    public void Parse_DuplicateTopLevelKey_RefusedNamingTheKey()
    {
        var text = CsmText().Replace("\"offlineRedemptionAllowance\": 2000", "\"offlineRedemptionAllowance\": 2000, \"offlineRedemptionAllowance\": 5", StringComparison.Ordinal);

        var error = Refused(text, "$.offlineRedemptionAllowance");

        Assert.Contains("appears twice", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateKeyInsideAnArrayElement_PathHasTheIndex()
    {
        var json = Csm();
        var text = json.ToJsonString();
        var first = json["categories"]![0]!["id"]!.GetValue<string>();
        var needle = $"\"id\":\"{first}\"";
        Assert.Contains(needle, text, StringComparison.Ordinal);
        var index = text.IndexOf(needle, text.IndexOf("\"categories\"", StringComparison.Ordinal), StringComparison.Ordinal);
        text = text[..index] + needle + "," + text[index..];

        Refused(text, "$.categories[0].id");
    }

    [Fact]
    public void Parse_RepeatedKeysInSiblingObjects_Accepted()
    {
        // Every category has an "id": keys repeat across objects, which is fine.
        Assert.Equal("CSM", LoyaltyProgram.Parse(CsmText(), "csm.json").Id);
    }
}
