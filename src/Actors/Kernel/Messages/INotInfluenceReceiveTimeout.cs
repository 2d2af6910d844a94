namespace Runa.Kernel;

/// <summary>Messages marked with this interface do not reset the receive timeout.</summary>
public interface INotInfluenceReceiveTimeout
{
}
