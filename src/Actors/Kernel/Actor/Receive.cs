namespace Runa.Kernel;

/// <summary>A behaviour: returns true if it handled <paramref name="message"/>.</summary>
public delegate bool Receive(object message);

/// <summary>A behaviour that handles everything it is given (call Unhandled yourself for the rest).</summary>
public delegate void UntypedReceive(object message);
