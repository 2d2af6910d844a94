System.Console.WriteLine("kernel benchmark: not written yet");
