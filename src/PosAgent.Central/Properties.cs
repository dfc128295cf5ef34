using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("PosAgent.Central.Tests")]
[assembly: InternalsVisibleTo("PosAgent.Central.Benchmarks")]
