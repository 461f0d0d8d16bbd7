// 8-bit adder with carry in and out.
module adder8 (input [7:0] a, input [7:0] b, input cin, output [7:0] s, output cout);
  assign {cout, s} = a + b + cin;
endmodule
