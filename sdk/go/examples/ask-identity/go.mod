module ask-identity

go 1.27

require roomkit.example/sdk v0.0.0

replace roomkit.example/sdk => ../..
