using System.Text.Json.Nodes;
using PosAgent.Rules;

namespace PosAgent.Rules.Tests;

public sealed class ProgramFileValidationTests
{
    private static JsonObject Csm() => JsonNode.Parse(File.ReadAllText(Path.Combine(ProgramFiles.Directory, "csm.json")))!.AsObject();

    private static JsonObject Kz() => JsonNode.Parse(File.ReadAllText(Path.Combine(ProgramFiles.Directory, "inv-kz.json")))!.AsObject();

    private static ProgramFileException Fails(JsonObject json, string name = "broken.json") =>
        Assert.Throws<ProgramFileException>(() => LoyaltyProgram.Parse(json.ToJsonString(), name));

    private static void AssertError(ProgramFileException ex, string path, string reasonFragment)
    {
        Assert.Contains(ex.Errors, e => e.Path == path && e.Reason.Contains(reasonFragment, StringComparison.OrdinalIgnoreCase));
        Assert.Contains("broken.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingEarnSection_NamesFileAndMissingProperty()
    {
        var json = Csm();
        json.Remove("earn");

        var ex = Fails(json);

        Assert.Equal("broken.json", ex.File);
        AssertError(ex, "$", "earn");
    }

    [Fact]
    public void Parse_OverlappingBands_Contradiction()
    {
        var json = Kz();
        json["earn"]!["rules"]![1]!["bands"]![1]!["fromMinor"] = 900_000;

        AssertError(Fails(json), "$.earn.rules[1].bands[1].fromMinor", "overlaps");
    }

    [Fact]
    public void Parse_TierThresholdsNotRising_Contradiction()
    {
        var json = Csm();
        json["tiers"] = JsonNode.Parse("""
            { "basis": "totalSpend", "levels": [
              { "id": "A", "earnPercent": 1 },
              { "id": "B", "earnPercent": 2, "minSpendMinor": 5000 },
              { "id": "C", "earnPercent": 3, "minSpendMinor": 4000 } ] }
            """);

        AssertError(Fails(json), "$.tiers.levels[2].minSpendMinor", "does not rise");
    }

    [Fact]
    public void Parse_ManualOnlyTierWithThreshold_Contradiction()
    {
        var json = Kz();
        json["tiers"]!["levels"]![2]!["manualOnly"] = true;

        AssertError(Fails(json), "$.tiers.levels[2].manualOnly", "contradicts");
    }

    [Fact]
    public void Parse_RuleOnUnknownCategory_NamesRuleAndCategory()
    {
        var json = Csm();
        json["earn"]!["rules"]![2]!["categories"] = new JsonArray("tourism", "spa");

        AssertError(Fails(json), "$.earn.rules[2].categories[1]", "unknown category 'spa'");
    }

    [Fact]
    public void Parse_PercentOver100_Rejected()
    {
        var json = Kz();
        json["burn"]!["rules"]![0]!["percent"] = 190;

        AssertError(Fails(json), "$.burn.rules[0].percent", "outside 0..100");
    }

    [Fact]
    public void Parse_EarningRuleOnNonEarningCategory_Contradiction()
    {
        var json = Kz();
        json["earn"]!["rules"]![0]!["categories"] = new JsonArray("lab", "goods");

        AssertError(Fails(json), "$.earn.rules[0].categories", "earns: false");
    }

    [Fact]
    public void Parse_EventWithPointsAndRange_Contradiction()
    {
        var json = Csm();
        json["events"]![0]!["minPoints"] = 1;
        json["events"]![0]!["maxPoints"] = 5;

        AssertError(Fails(json), "$.events[0].points", "contradicts");
    }

    [Fact]
    public void Parse_DecayStepsWithGap_Rejected()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(ProgramFiles.Directory, "ati.json")))!.AsObject();
        json["decay"]!["steps"]![1]!["fromMonth"] = 14;

        AssertError(Fails(json), "$.decay.steps[1].fromMonth", "without gaps");
    }

    [Fact]
    public void Parse_RuleIdOfAnotherProgram_Rejected()
    {
        var json = Csm();
        json["burn"]!["rules"]![1]!["id"] = "STM-R8";

        AssertError(Fails(json), "$.burn.rules[1].id", "must start with 'CSM-R'");
    }

    [Fact]
    public void Parse_MisspelledProperty_NamesIt()
    {
        var json = Csm();
        json["earn"]!["rulez"] = new JsonArray();

        var ex = Fails(json);

        Assert.Contains(ex.Errors, e => e.Reason.Contains("rulez", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_WrongType_NamesPath()
    {
        var json = Kz();
        json["burn"]!["rules"]![0]!["percent"] = "ninety";

        var ex = Fails(json);

        Assert.Contains(ex.Errors, e => e.Path == "$.burn.rules[0].percent");
    }

    [Fact]
    public void Parse_BadPeriodAndRounding_AllProblemsListedAtOnce()
    {
        var json = Csm();
        json["lotKinds"]!["welcome"]!["activation"] = "three days";
        json["rounding"]!["earn"] = "bankers";

        var ex = Fails(json);

        AssertError(ex, "$.lotKinds.welcome.activation", "not a period");
        AssertError(ex, "$.rounding.earn", "not a rounding mode");
    }

    [Fact]
    public void Parse_Ean13WithWrongLength_Rejected()
    {
        var json = Kz();
        json["card"]!["length"] = 12;

        AssertError(Fails(json), "$.card.checkDigit", "length of 13");
    }

    [Fact]
    public void Load_MissingFile_ThrowsProgramFileExceptionNamingIt()
    {
        var ex = Assert.Throws<ProgramFileException>(() => LoyaltyProgram.Load("/nonexistent/dir/x.json"));

        Assert.Equal("/nonexistent/dir/x.json", ex.File);
    }

    [Fact]
    public void Parse_TruncatedJson_NamesPosition()
    {
        var ex = Assert.Throws<ProgramFileException>(() => LoyaltyProgram.Parse("{\"id\": \"X\", \"version\": ", "cut.json"));

        Assert.Equal("cut.json", ex.File);
        Assert.Single(ex.Errors);
    }

    [Fact]
    public void LoadDirectory_OneBadFile_LoadsNothing()
    {
        using var dir = new PosAgent.TestSupport.TempDirectory();
        File.Copy(Path.Combine(ProgramFiles.Directory, "csm.json"), Path.Combine(dir.Path, "csm.json"));
        var bad = Kz();
        bad.Remove("burn");
        File.WriteAllText(Path.Combine(dir.Path, "inv-kz.json"), bad.ToJsonString());

        var ex = Assert.Throws<ProgramFileException>(() => LoyaltyProgram.LoadDirectory(dir.Path));

        Assert.EndsWith("inv-kz.json", ex.File, StringComparison.Ordinal);
    }
}
