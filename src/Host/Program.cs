System.Console.WriteLine("runa: placeholder");
