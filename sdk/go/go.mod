module roomkit.example/sdk

go 1.27
