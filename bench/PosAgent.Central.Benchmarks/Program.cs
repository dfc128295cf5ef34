using PosAgent.Central.Benchmarks;

// Ingestion throughput of batched 5-line sales into the central service over real gRPC (Kestrel on
// loopback), SQLite and PostgreSQL in the same run. Usage (defaults in brackets):
//   dotnet run -c Release --project bench/PosAgent.Central.Benchmarks -- [--transactions 40000]
//     [--batch 100] [--clients 4] [--cards 10000] [--pg "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres"]
// PostgreSQL comes from --pg or POSAGENT_TEST_PG; a fresh database is created and dropped.
return await IngestionBenchmark.RunAsync(args);
