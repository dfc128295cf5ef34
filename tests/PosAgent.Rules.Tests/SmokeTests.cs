using PosAgent.Rules;

namespace PosAgent.Rules.Tests;

public sealed class ProgramFilesTests
{
    [Theory]
    [InlineData("inv-ru", "INV-RU")]
    [InlineData("inv-kz", "INV-KZ")]
    [InlineData("inv-hp", "INV-HP")]
    [InlineData("inv-by", "INV-BY")]
    [InlineData("csm", "CSM")]
    [InlineData("stm", "STM")]
    [InlineData("rt", "RT")]
    [InlineData("ati", "ATI")]
    public void Load_ShippedProgramFile_LoadsWithItsId(string file, string id)
    {
        var program = ProgramFiles.Get(file);

        Assert.Equal(id, program.Id);
        Assert.False(string.IsNullOrEmpty(program.Version));
        Assert.True(program.Card.IsValid(ProgramFiles.Card(program)));
    }

    [Fact]
    public void LoadDirectory_ProgramsFolder_LoadsAllEight()
    {
        var all = LoyaltyProgram.LoadDirectory(ProgramFiles.Directory);

        Assert.Equal(["ATI", "CSM", "INV-BY", "INV-HP", "INV-KZ", "INV-RU", "RT", "STM"], all.Keys.Order(StringComparer.Ordinal));
    }
}
