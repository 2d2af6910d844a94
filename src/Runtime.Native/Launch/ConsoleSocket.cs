using System.Text;
using Runa.Runtime.Interop;

namespace Runa.Runtime.Launch;

/// <summary>
/// --console-socket: the container's pty master goes to whoever listens on the socket
/// (conmon, containerd-shim, `recvtty`) over SCM_RIGHTS, as runc hands it over.
/// </summary>
public static class ConsoleSocket
{
    public static void Send(string socketPath, SafeFd master)
    {
        using var socket = Sys.ConnectUnix(socketPath);
        Sys.SendPacket(socket, Encoding.UTF8.GetBytes("console"), [master.Fd]);
    }
}
