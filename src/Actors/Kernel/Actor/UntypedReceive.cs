namespace Runa.Kernel;

/// <summary>A behaviour that handles everything it is given (call Unhandled yourself for the rest).</summary>
public delegate void UntypedReceive(object message);
