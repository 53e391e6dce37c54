import { describe, expect, it } from "vitest";

import { fmtPhone } from "./format";

describe("fmtPhone", () => {
  it("writes Japanese numbers as staff dial them, grouping only where the number alone says how", () => {
    expect(fmtPhone("+81312345678")).toBe("03-1234-5678");
    expect(fmtPhone("+81668765432")).toBe("06-6876-5432");
    expect(fmtPhone("+819012345678")).toBe("090-1234-5678");
    expect(fmtPhone("+815012345678")).toBe("050-1234-5678");
    expect(fmtPhone("+81120123456")).toBe("0120-123-456");
    expect(fmtPhone("+818001234567")).toBe("0800-123-4567");
    expect(fmtPhone("+81451234567")).toBe("0451234567"); // 045-123-4567 or 0451-…: the plan's table decides
    expect(fmtPhone("+14155550123")).toBe("+14155550123");
    expect(fmtPhone("")).toBe("");
  });
});
