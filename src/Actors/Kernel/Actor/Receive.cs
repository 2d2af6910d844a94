namespace Runa.Kernel;

/// <summary>A behaviour: returns true if it handled <paramref name="message"/>.</summary>
public delegate bool Receive(object message);
