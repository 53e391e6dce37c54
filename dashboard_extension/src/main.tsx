import "@saleor/macaw-ui/style";
import "./app.css";

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";

import { App } from "./App";
import { getBridge } from "./bridge";

// The AppBridge listens before the first render: the Dashboard posts its handshake (the token) on
// the frame's load event, and createRoot's render is scheduled, so under load it can run after that
// event and the token would never arrive (pages waited forever, seen in CI). Module scripts run
// before the load event, so this listener is always in place in time.
getBridge();
createRoot(document.getElementById("root")!).render(<StrictMode><App /></StrictMode>);
