Console.Error.WriteLine("This component is being built; see the open issues.");
return 1;
