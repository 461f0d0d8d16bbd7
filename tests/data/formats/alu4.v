// 4-bit ALU: op 0 add, 1 sub, 2 and, 3 or, 4 xor, 5 shift left, 6 less-than, 7 not a.
module alu4 (input [3:0] a, input [3:0] b, input [2:0] op, output reg [3:0] y,
             output zero);
  always @* begin
    case (op)
      3'd0: y = a + b;
      3'd1: y = a - b;
      3'd2: y = a & b;
      3'd3: y = a | b;
      3'd4: y = a ^ b;
      3'd5: y = a << b[1:0];
      3'd6: y = {3'b000, a < b};
      default: y = ~a;
    endcase
  end
  assign zero = (y == 4'd0);
endmodule
