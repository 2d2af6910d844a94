using System.CommandLine;
using Runa.Actors.Containers;
using Runa.Host.Cli;
using Runa.Runtime.Oci;

namespace Runa.Host.Commands;

/// <summary>`runa update`: change a running container's limits, with runc's flags or a resources JSON.</summary>
public static class UpdateCommand
{
    public static Command Build()
    {
        var command = new Command("update", "update container resource constraints");
        var id = ContainerArgs.Id();
        var resources = new Option<string?>("--resources", "-r") { Description = "path to a file of linux.resources JSON, or - for stdin" };
        var memory = new Option<string?>("--memory") { Description = "memory limit (in bytes, or with a k/m/g suffix)" };
        var memorySwap = new Option<string?>("--memory-swap") { Description = "total memory usage (memory + swap); -1 for unlimited swap" };
        var memoryReservation = new Option<string?>("--memory-reservation") { Description = "memory reservation or soft limit" };
        var cpuShares = new Option<string?>("--cpu-share", "--cpu-shares") { Description = "CPU shares (relative weight vs. other containers)" };
        var cpuQuota = new Option<string?>("--cpu-quota") { Description = "CPU CFS hardcap limit (in usecs); -1 for none" };
        var cpuPeriod = new Option<string?>("--cpu-period") { Description = "CPU CFS period to be used for hardcapping (in usecs)" };
        var cpuRtPeriod = new Option<string?>("--cpu-rt-period") { Description = "CPU realtime period to be used for hardcapping (in usecs)" };
        var cpuRtRuntime = new Option<string?>("--cpu-rt-runtime") { Description = "CPU realtime hardcap limit (in usecs)" };
        var cpusetCpus = new Option<string?>("--cpuset-cpus") { Description = "CPU(s) to use" };
        var cpusetMems = new Option<string?>("--cpuset-mems") { Description = "memory node(s) to use" };
        var pidsLimit = new Option<string?>("--pids-limit") { Description = "maximum number of pids allowed in the container; -1 for unlimited" };
        var blkioWeight = new Option<string?>("--blkio-weight") { Description = "block IO weight (10 to 1000)" };
        command.Arguments.Add(id);
        foreach (var o in new Option[] { resources, memory, memorySwap, memoryReservation, cpuShares, cpuQuota, cpuPeriod, cpuRtPeriod, cpuRtRuntime, cpusetCpus, cpusetMems, pidsLimit, blkioWeight })
        {
            command.Options.Add(o);
        }
        command.Handle(async ctx =>
        {
            var p = ctx.Parse;
            LinuxResources r;
            if (p.GetValue(resources) is { } file)
            {
                var json = file == "-" ? ReadStdin() : ReadFile(file);
                r = SpecLoader.ParseResources(json, file == "-" ? "stdin" : file);
            }
            else
            {
                r = new LinuxResources();
            }
            // Flags override the file, as with runc.
            if (p.GetValue(memory) is { } m)
            {
                (r.Memory ??= new()).Limit = Units.ParseBytes(m, "--memory");
            }
            if (p.GetValue(memorySwap) is { } ms)
            {
                (r.Memory ??= new()).Swap = Units.ParseBytes(ms, "--memory-swap");
            }
            if (p.GetValue(memoryReservation) is { } mr)
            {
                (r.Memory ??= new()).Reservation = Units.ParseBytes(mr, "--memory-reservation");
            }
            if (p.GetValue(cpuShares) is { } cs)
            {
                (r.Cpu ??= new()).Shares = (ulong)Units.ParseInt(cs, "--cpu-share", min: 0);
            }
            if (p.GetValue(cpuQuota) is { } cq)
            {
                (r.Cpu ??= new()).Quota = Units.ParseInt(cq, "--cpu-quota", min: -1);
            }
            if (p.GetValue(cpuPeriod) is { } cp)
            {
                (r.Cpu ??= new()).Period = (ulong)Units.ParseInt(cp, "--cpu-period", min: 0);
            }
            if (p.GetValue(cpuRtPeriod) is { } rp)
            {
                (r.Cpu ??= new()).RealtimePeriod = (ulong)Units.ParseInt(rp, "--cpu-rt-period", min: 0);
            }
            if (p.GetValue(cpuRtRuntime) is { } rr)
            {
                (r.Cpu ??= new()).RealtimeRuntime = Units.ParseInt(rr, "--cpu-rt-runtime", min: -1);
            }
            if (p.GetValue(cpusetCpus) is { } cc)
            {
                (r.Cpu ??= new()).Cpus = cc;
            }
            if (p.GetValue(cpusetMems) is { } cm)
            {
                (r.Cpu ??= new()).Mems = cm;
            }
            if (p.GetValue(pidsLimit) is { } pl)
            {
                r.Pids = new PidsResources { Limit = Units.ParseInt(pl, "--pids-limit", min: -1) };
            }
            if (p.GetValue(blkioWeight) is { } bw)
            {
                // The number as given is judged (runc's range), never a clamped stand-in for it.
                (r.BlockIO ??= new()).Weight = (ushort)Units.ParseInt(bw, "--blkio-weight", min: 10, max: 1000);
            }
            var reply = await ctx.Ask<ContainerUpdatedReply>(new UpdateContainer(p.GetValue(id)!, r));
            foreach (var w in reply.Warnings)
            {
                ctx.Log.Warning(w);
            }
            return 0;
        });
        return command;
    }

    private static byte[] ReadStdin()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliError($"--resources {path}: {e.Message}");
        }
    }
}
