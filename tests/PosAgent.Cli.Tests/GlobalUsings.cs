global using PosAgent.TestSupport;
