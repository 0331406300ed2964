module my-plugin

go 1.27

require roomkit.example/sdk v0.0.0

// The SDK lives in the RoomKit repository; point this at your checkout's sdk/go.
replace roomkit.example/sdk => ../../sdk/go
