// 4x4 unsigned multiplier.
module mult4 (input [3:0] x, input [3:0] y, output [7:0] p);
  assign p = x * y;
endmodule
